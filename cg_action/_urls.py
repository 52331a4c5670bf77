"""URL helpers that need no HTTP library: redaction, credentials, and well-known hosts.

Every URL shown anywhere (reports, logs, errors, cache keys) goes through ``redact_url``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

CHAINGUARD_HOST = "libraries.cgr.dev"
CHAINGUARD_INDEX = "https://libraries.cgr.dev/python/simple/"
CHAINGUARD_REMEDIATED_INDEX = "https://libraries.cgr.dev/python-remediated/simple/"
PYPI_INDEX = "https://pypi.org/simple/"
PYPI_HOSTS = frozenset({"pypi.org", "pypi.python.org", "files.pythonhosted.org"})
UPSTREAM_PATH = "/python-upstream/"

_USERINFO = re.compile(r"(?<=://)[^/@\s]*@")


def redact_url(url: str) -> str:
    """``url`` without user-info: ``https://user:secret@host/x`` -> ``https://host/x``."""
    if "@" not in url:  # no user-info without one (most URLs: skip the parse)
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return _USERINFO.sub("", url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def redact_text(text: str) -> str:
    """Remove user-info from every URL inside a free text (error messages, logs)."""
    return _USERINFO.sub("", text)


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """(url without user-info, username, password), percent-decoded."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, has_password, password = userinfo.partition(":")
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return clean, unquote(user) or None, unquote(password) if has_password else None


def normalize_index_url(url: str) -> str:
    """The index URL with exactly one trailing slash."""
    return url.rstrip("/") + "/"


def host_of(url: str) -> str:
    """The lower-case host name of ``url`` ('' when there is none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def is_pypi_url(url: str) -> bool:
    """Whether ``url`` points at PyPI or its file host."""
    return host_of(url) in PYPI_HOSTS


def is_chainguard_url(url: str) -> bool:
    """Whether ``url`` points at the Chainguard Libraries host."""
    return host_of(url) == CHAINGUARD_HOST


def is_upstream_fallback_url(url: str) -> bool:
    """Whether ``url`` is a Chainguard upstream-fallback file (``/python-upstream/``)."""
    if UPSTREAM_PATH not in url:  # nowhere in the URL, so not in its path (most URLs)
        return False
    try:
        return UPSTREAM_PATH in urlsplit(url).path
    except ValueError:
        return False
