# ruff: noqa: E501 - sample pages keep one link per line, as the servers write them
"""Sample project pages, written by hand in the shapes real index servers produce.

They are samples, not recordings: the digests are made up (64 hex digits) and the hosts are
example hosts. Each sample keeps the quirks of the server it imitates (tag case, attribute
order, relative links, a ``<base href>``, folder links, missing closing tags).
"""

from __future__ import annotations

import json

SHA_WHEEL = "38fe51eb" + "a" * 56
SHA_SDIST = "b" * 64
SHA_OLD = "c" * 64

# One project, "flask" on a Chainguard-like index, in both PEP 691 JSON and PEP 503 HTML.
CHAINGUARD_PAGE_URL = "https://libraries.cgr.dev/python/simple/flask/"
CHAINGUARD_INDEX = "https://libraries.cgr.dev/python/simple/"

CHAINGUARD_JSON = json.dumps(
    {
        "meta": {"api-version": "1.1", "_last-serial": 7},
        "name": "flask",
        "versions": ["2.3.3", "3.0.2"],
        "files": [
            {
                "filename": "flask-3.0.2-py3-none-any.whl",
                "url": "/files/flask/flask-3.0.2-py3-none-any.whl",
                "hashes": {"sha256": SHA_WHEEL},
                "requires-python": ">=3.8",
                "core-metadata": {"sha256": "d" * 64},
            },
            {
                "filename": "flask-3.0.2.tar.gz",
                "url": "https://libraries.cgr.dev/files/1a/2b/flask/flask-3.0.2.tar.gz",
                "hashes": {"sha256": SHA_SDIST},
                "requires-python": ">=3.8",
            },
            {
                "filename": "Flask-2.3.3-py3-none-any.whl",
                "url": "../../../python-upstream/simple/flask/2.3.3/Flask-2.3.3-py3-none-any.whl",
                "hashes": {},
                "yanked": "broken metadata",
            },
        ],
    }
)

CHAINGUARD_HTML = f"""<!DOCTYPE html>
<html>
  <head><meta name="pypi:repository-version" content="1.1"><title>Links for flask</title></head>
  <body>
    <h1>Links for flask</h1>
    <a href="/files/flask/flask-3.0.2-py3-none-any.whl#sha256={SHA_WHEEL}"
       data-requires-python="&gt;=3.8" data-core-metadata="sha256={"d" * 64}">flask-3.0.2-py3-none-any.whl</a><br/>
    <a href="https://libraries.cgr.dev/files/1a/2b/flask/flask-3.0.2.tar.gz#sha256={SHA_SDIST}"
       data-requires-python="&gt;=3.8">flask-3.0.2.tar.gz</a><br/>
    <a href="../../../python-upstream/simple/flask/2.3.3/Flask-2.3.3-py3-none-any.whl"
       data-yanked="broken metadata">Flask-2.3.3-py3-none-any.whl</a><br/>
  </body>
</html>
"""

# pypiserver: relative links to /packages/, a sha256 fragment, no requires-python.
PYPISERVER_URL = "http://127.0.0.1:8080/simple/six/"
PYPISERVER_HTML = f"""<!DOCTYPE html>
<html>
    <head>
        <title>Links for six</title>
    </head>
    <body>
        <h1>Links for six</h1>
             <a href="../../packages/six-1.16.0-py2.py3-none-any.whl#sha256={SHA_WHEEL}">six-1.16.0-py2.py3-none-any.whl</a><br>
             <a href="../../packages/six-1.16.0.tar.gz#sha256={SHA_SDIST}">six-1.16.0.tar.gz</a><br>
    </body>
</html>
"""

# devpi: absolute links with +f paths and md5-less sha256 fragments, data-requires-python.
DEVPI_URL = "http://127.0.0.1:3141/team/prod/+simple/attrs/"
DEVPI_HTML = f"""<!DOCTYPE html>
<html>
  <head>
    <meta name="pypi:repository-version" content="1.0">
    <title>team/prod: links for attrs</title>
  </head>
  <body>
    <h1>team/prod: links for attrs</h1>
    <a data-requires-python="&gt;=3.7" href="../../+f/aaa/bbbbbbbbbbbbbbb/attrs-23.2.0-py3-none-any.whl#sha256={SHA_WHEEL}">attrs-23.2.0-py3-none-any.whl</a><br/>
  </body>
</html>
"""

# Artifactory: upper-case tags, rel attributes, folder links, no closing </a> on one line,
# a <base href> that the relative links resolve against.
ARTIFACTORY_URL = "https://acme.jfrog.io/artifactory/api/pypi/pypi-remote/simple/requests/"
ARTIFACTORY_HTML = f"""<HTML>
<HEAD><TITLE>Links for requests</TITLE>
<BASE HREF="https://acme.jfrog.io/artifactory/api/pypi/pypi-remote/packages/">
</HEAD>
<BODY>
<H1>Links for requests</H1>
<A HREF="../">../</A>
<A HREF="packages/requests-2.31.0-py3-none-any.whl#sha256={SHA_WHEEL}" REL="internal" DATA-REQUIRES-PYTHON="&gt;=3.7">requests-2.31.0-py3-none-any.whl
<A HREF="packages/requests-2.31.0.tar.gz#md5=0123456789abcdef0123456789abcdef" rel="internal">requests-2.31.0.tar.gz</A><BR>
<A href="packages/requests-2.30.0.tar.gz#sha256={SHA_OLD}" data-yanked="">requests-2.30.0.tar.gz</a>
</BODY>
</HTML>
"""

# Nexus: links two levels up into /packages/<name>/<version>/, credentials in an absolute link.
NEXUS_URL = "https://nexus.example.com/repository/pypi-all/simple/python-dateutil/"
NEXUS_HTML = f"""<html lang="en">
<head><title>Links for python-dateutil</title>
  <meta name="api-version" value="2"/>
</head>
<body><h1>Links for python-dateutil</h1>
<a href="../../packages/python-dateutil/2.9.0.post0/python_dateutil-2.9.0.post0-py2.py3-none-any.whl#sha256={SHA_WHEEL}" data-requires-python="!=3.0.*,!=3.1.*,!=3.2.*,&gt;=2.7">python_dateutil-2.9.0.post0-py2.py3-none-any.whl</a><br/>
<a href="https://deploy:fake-password@nexus.example.com/repository/pypi-all/packages/python-dateutil/2.8.2/python-dateutil-2.8.2.tar.gz#sha256={SHA_SDIST}">python-dateutil-2.8.2.tar.gz</a><br/>
<a href="../../packages/python-dateutil/0.0.weird/python-dateutil-latest.zip">python-dateutil-latest.zip</a><br/>
</body>
</html>
"""
