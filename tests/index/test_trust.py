"""TLS trust and proxies for corporate networks: which authorities a run trusts, and how.

An https index on 127.0.0.1 has a certificate from a throw-away certificate authority
(trustme) that neither certifi nor the system's store knows, as a TLS-inspecting proxy's is.
``check`` runs through ``main`` (and, where the process environment itself is the point, as a
process), with ``SSL_CERT_*`` and every proxy variable cleared first:

- nothing configured: the certificate is not trusted, the dependency is "unknown" (exit 3)
  and the reason says what to do; ``--cert``, ``CG_ACTION_CERT``, ``SSL_CERT_FILE`` and
  ``SSL_CERT_DIR`` each make it verified; ``--cert`` replaces the others;
- the system's store: off macOS and Windows it is what OpenSSL's default paths hold for the
  process, shown with those paths set for the process alone while the run's own
  ``SSL_CERT_*`` handling sees nothing; an empty store is not trusted; with no store at all
  the context is certifi's; on macOS and Windows truststore makes the context;
- a CONNECT proxy written here relays to the index: the check goes through it (it records
  the tunnel) and verifies TLS with ``--cert``; the proxy's credentials are never shown;
- the REST calls (the pull-request comment) use the same context and the same proxy choice;
- a ``--cert`` file that cannot be used is exit 2, naming the file.
"""

from __future__ import annotations

import base64
import io
import json
import os
import selectors
import shutil
import socket
import socketserver
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from packaging.utils import canonicalize_name
from pytest_httpserver import HTTPServer

from cg_action._cli import main
from cg_action._index import IndexClient
from cg_action._index import _trust as trust_module
from cg_action._index._rest import RestFailure, rest_request
from cg_action._models import ClientSettings, IndexConfig, Unavailable
from tests._servers import serving

ROOT = Path(__file__).resolve().parent.parent.parent
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
WHEEL = "flask-3.0.2-py3-none-any.whl"
PAGE = json.dumps(
    {
        "meta": {"api-version": "1.0"},
        "name": "flask",
        "files": [{"filename": WHEEL, "url": f"/files/{WHEEL}", "hashes": {"sha256": "c" * 64}}],
    }
)
PROXY_USER = "proxy-user"
PROXY_SECRET = "proxy-secret-9d41a7"
CLEARED = (
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "CG_ACTION_CERT",
    *(
        name
        for base in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
        for name in (base, base.upper())
    ),
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No trust and no proxy from the machine; the run's trust and contexts are forgotten
    afterwards."""
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    # a system-store context holds what OpenSSL's default paths held when it was made
    trust_module._make_context.cache_clear()
    try:
        yield
    finally:
        trust_module.use_trust(None)
        trust_module._make_context.cache_clear()


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_pem(authority: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def other_ca_pem(tmp_path: Path) -> Path:
    """A valid bundle of an authority that did not sign the index's certificate."""
    path = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def index(authority: trustme.CA) -> Iterator[HTTPServer]:
    """An https index on 127.0.0.1 serving flask's PEP 691 page."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context, threaded=True)
    server.no_handler_status_code = 404
    server.expect_request("/simple/flask/").respond_with_data(PAGE, content_type=JSON_TYPE)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "requirements.txt").write_text("flask==3.0.2\n")
    return folder


def check_argv(project: Path, index: HTTPServer | str, *args: str) -> list[str]:
    url = index if isinstance(index, str) else index.url_for("/simple/")
    return [
        "check",
        str(project),
        "--root",
        str(project),
        "--format",
        "json",
        "--no-cache",
        "--no-fallback",
        "--index-url",
        url,
        *args,
    ]


def check(
    project: Path, index: HTTPServer, *args: str, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        check_argv(project, index, *args),
        env={"CG_ACTION_NO_NETRC": "true", **(env or {})},
        out=out,
        err=err,
    )
    return code, out.getvalue(), err.getvalue()


def results(report: str) -> dict[str, dict[str, str]]:
    return {row["name"]: row for row in json.loads(report)["results"]}


def assert_verified(code: int, out: str, err: str, index: HTTPServer) -> None:
    assert code == 0, err
    (flask,) = results(out).values()
    assert flask["status"] == "chainguard", flask
    assert [request.path for request, _response in index.log] == ["/simple/flask/"]


def assert_not_trusted(code: int, out: str, err: str, index: HTTPServer) -> None:
    assert code == 3, err
    (flask,) = results(out).values()
    assert flask["status"] == "unknown", flask
    reason = flask["message"]
    assert "TLS certificate was not trusted" in reason, reason
    assert "--cert FILE" in reason
    assert "SSL_CERT_FILE" in reason
    assert "trust store" in reason
    assert "Traceback" not in err
    assert not index.log  # no request got past the handshake


# -- where the authorities come from ------------------------------------------------------------


def test_an_authority_nobody_trusts_is_unknown_and_says_what_to_do(
    project: Path, index: HTTPServer
) -> None:
    assert_not_trusted(*check(project, index), index)


def test_the_text_report_s_next_step_is_about_the_certificate(
    project: Path, index: HTTPServer
) -> None:
    # the last --format wins: the text report, with its "what to do next" lines
    code, out, err = check(project, index, "--format", "text")
    assert code == 3, err
    (step,) = [line for line in out.splitlines() if "some answers are unknown" in line]
    assert "TLS certificate was not trusted" in step
    assert "--cert FILE" in step
    assert "credentials" not in step


def test_a_certificate_failure_is_not_retried(index: HTTPServer) -> None:
    # a certificate does not change between attempts: one request, then the reason
    settings = ClientSettings(max_retries=3, total_timeout=20.0)
    with IndexClient(settings) as client:
        answers = client.get_projects(
            IndexConfig(url=index.url_for("/simple/"), use_netrc=False),
            [canonicalize_name("flask")],
        )
        sent = client.requests_sent
    answer = answers[canonicalize_name("flask")]
    assert isinstance(answer, Unavailable)
    assert answer.reason.startswith(
        "the server's TLS certificate was not trusted: unable to get local issuer certificate; "
    )
    assert "attempt" not in answer.reason
    assert sent == 1


def test_cert_makes_the_index_verified(project: Path, index: HTTPServer, ca_pem: Path) -> None:
    assert_verified(*check(project, index, "--cert", str(ca_pem)), index)


def test_cert_replaces_ssl_cert_file(
    project: Path, index: HTTPServer, ca_pem: Path, other_ca_pem: Path
) -> None:
    # as pip's --cert: the bundle given is all that is trusted
    env = {"SSL_CERT_FILE": str(ca_pem)}
    assert_not_trusted(*check(project, index, "--cert", str(other_ca_pem), env=env), index)
    env = {"SSL_CERT_FILE": str(other_ca_pem)}
    assert_verified(*check(project, index, "--cert", str(ca_pem), env=env), index)


def test_cg_action_cert_is_the_option_s_default(
    project: Path, index: HTTPServer, ca_pem: Path
) -> None:
    assert_verified(*check(project, index, env={"CG_ACTION_CERT": str(ca_pem)}), index)


def test_ssl_cert_file_makes_the_index_verified(
    project: Path, index: HTTPServer, ca_pem: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_pem))
    assert_verified(*check(project, index, env={"SSL_CERT_FILE": str(ca_pem)}), index)


def hashed_folder(ca_pem: Path, folder: Path) -> Path:
    """A folder holding the CA as OpenSSL looks certificates up (``c_rehash``)."""
    openssl = shutil.which("openssl")
    if openssl is None:  # pragma: no cover - Debian's openssl package is on the test machines
        pytest.skip("the openssl command is needed to hash a certificate folder")
    folder.mkdir()
    shutil.copy(ca_pem, folder / "ca.pem")
    subprocess.run([openssl, "rehash", str(folder)], check=True, capture_output=True)
    assert any(name.endswith(".0") for name in os.listdir(folder))
    return folder


def test_ssl_cert_dir_makes_the_index_verified(
    project: Path, index: HTTPServer, ca_pem: Path, tmp_path: Path
) -> None:
    folder = hashed_folder(ca_pem, tmp_path / "certs")
    assert_verified(*check(project, index, env={"SSL_CERT_DIR": str(folder)}), index)


# -- the operating system's trust store -----------------------------------------------------------

# Runs check with the process environment OpenSSL reads, while the run's own environment (the
# mapping ``main`` is given) has no SSL_CERT_* at all: the trust can only come from the system's
# store.
SYSTEM_STORE_RUN = """
import os, sys
from cg_action._cli import main
env = {k: v for k, v in os.environ.items() if not k.startswith("SSL_CERT_")}
raise SystemExit(main(sys.argv[1:], env=env))
"""


def run_with_system_store(
    project: Path, index: HTTPServer, store: Path
) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in CLEARED}
    env.update(
        SSL_CERT_DIR=str(store),  # what OpenSSL takes as the system's folder, for this process
        SSL_CERT_FILE=str(store / "none.pem"),  # no file: the folder alone
        CG_ACTION_NO_NETRC="true",
        PYTHONPATH=str(ROOT),
    )
    return subprocess.run(
        [sys.executable, "-c", SYSTEM_STORE_RUN, "-v", *check_argv(project, index)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="OpenSSL's store: not the system's")
def test_the_system_store_is_what_openssl_s_default_paths_hold(
    project: Path, index: HTTPServer, ca_pem: Path, tmp_path: Path
) -> None:
    store = hashed_folder(ca_pem, tmp_path / "system-store")
    run = run_with_system_store(project, index, store)
    assert f"trusting the operating system's trust store ({store})" in run.stderr
    assert_verified(run.returncode, run.stdout, run.stderr, index)
    # a store that does not hold the authority: not trusted
    index.clear_log()
    other = hashed_folder(trustme_pem(tmp_path / "other.pem"), tmp_path / "other-store")
    run = run_with_system_store(project, index, other)
    assert f"trusting the operating system's trust store ({other})" in run.stderr
    assert_not_trusted(run.returncode, run.stdout, run.stderr, index)


def trustme_pem(path: Path) -> Path:
    trustme.CA().cert_pem.write_to_path(str(path))
    return path


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="OpenSSL's store: not the system's")
def test_the_system_store_s_context_is_made_once_and_takes_alpn() -> None:
    context = trust_module.tls_context()
    assert type(context) is ssl.SSLContext  # one context, loaded once: not truststore's
    assert context is trust_module.tls_context()  # made once
    context.set_alpn_protocols(["h2", "http/1.1"])  # as the transports do
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="OpenSSL's store: not the system's")
def test_the_system_store_s_context_follows_the_process_variables(
    monkeypatch: pytest.MonkeyPatch, ca_pem: Path, other_ca_pem: Path
) -> None:
    # the run's own settings name nothing (a test calling main with env={}): the process's
    # SSL_CERT_FILE steers OpenSSL's default paths, and a context made before it changed is
    # not the one used after
    trust_module.use_trust(trust_module.Trust())
    wanted = ssl.PEM_cert_to_DER_cert(ca_pem.read_text())
    monkeypatch.setenv("SSL_CERT_FILE", str(other_ca_pem))
    before = trust_module.tls_context()
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_pem))
    after = trust_module.tls_context()
    assert wanted not in before.get_ca_certs(binary_form=True)
    assert wanted in after.get_ca_certs(binary_form=True)


def test_without_a_system_store_the_context_is_certifi_s(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import certifi

    empty = tmp_path / "empty"
    empty.mkdir()
    # OpenSSL's default paths name nothing, and no distribution's bundle is there
    monkeypatch.setenv("SSL_CERT_FILE", str(empty / "none.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(empty))
    monkeypatch.setattr(trust_module, "SYSTEM_BUNDLES", (str(empty / "ca-certificates.crt"),))
    monkeypatch.setattr(sys, "platform", "linux")
    context = trust_module._make_context.__wrapped__(trust_module.Trust())
    assert type(context) is ssl.SSLContext
    expected = ssl.create_default_context(cafile=certifi.where())
    assert context.get_ca_certs(binary_form=True) == expected.get_ca_certs(binary_form=True)


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_on_macos_and_windows_truststore_makes_the_context(
    monkeypatch: pytest.MonkeyPatch, platform: str
) -> None:
    import truststore

    # truststore's own backend is the one of the machine the tests run on: the choice of it is
    # what is shown here, on any machine
    monkeypatch.setattr(sys, "platform", platform)
    made = trust_module._system_context()
    assert made is not None
    context, where = made
    assert isinstance(context, truststore.SSLContext)
    assert where == "truststore"
    context.set_alpn_protocols(["h2", "http/1.1"])
    # without truststore there: certifi's
    monkeypatch.setitem(sys.modules, "truststore", None)
    assert trust_module._system_context() is None


def test_http_2_is_negotiated_on_the_system_store_s_context(
    authority: trustme.CA, ca_pem: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.index.test_rest import h2_echo_server

    # the system's store is what OpenSSL's default paths hold: this process's SSL_CERT_FILE
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_pem))
    trust_module.use_trust(trust_module.Trust())  # the run's own settings name nothing
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    context.set_alpn_protocols(["h2"])  # speaks nothing else
    with h2_echo_server(context) as port:
        answer = rest_request("POST", f"https://127.0.0.1:{port}/", headers={}, body=b"12345")
    assert answer.status == 200
    assert answer.body == b"5"


# -- a --cert that cannot be used ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("missing.pem", None, "does not exist"),
        ("folder", "", "is a folder"),
        ("empty.pem", b"", "holds no PEM certificate"),
        ("notes.txt", b"not a certificate\n", "holds no PEM certificate"),
        ("key.pem", "key", "holds no PEM certificate"),
        ("ca.der", "der", "holds no PEM certificate"),
    ],
)
@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_cert_file_that_cannot_be_used_is_a_usage_error(
    project: Path,
    index: HTTPServer,
    authority: trustme.CA,
    tmp_path: Path,
    name: str,
    content: bytes | str | None,
    said: str,
    how: str,
) -> None:
    path = tmp_path / name
    if content == "":
        path.mkdir()
    elif content == "key":
        authority.private_key_pem.write_to_path(str(path))
    elif content == "der":
        path.write_bytes(ssl.PEM_cert_to_DER_cert(authority.cert_pem.bytes().decode()))
    elif isinstance(content, bytes):
        path.write_bytes(content)
    args, env = (
        (["--cert", str(path)], {}) if how == "option" else ([], {"CG_ACTION_CERT": str(path)})
    )
    code, out, err = check(project, index, *args, env=env)
    assert code == 2, err
    assert f"{path}: the --cert file (CG_ACTION_CERT) {said}" in err
    assert "hint: give a PEM file of the certificate authorities to trust" in err
    assert "Traceback" not in err
    assert not out
    assert not index.log  # nothing was asked


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "SSL_CERT_DIR"])
def test_an_ssl_cert_variable_naming_nothing_is_a_usage_error(
    project: Path, index: HTTPServer, tmp_path: Path, variable: str
) -> None:
    missing = tmp_path / "nowhere"
    code, _out, err = check(project, index, env={variable: str(missing)})
    assert code == 2, err
    assert f"{missing}: the " in err
    assert f"{variable} names does not exist" in err
    assert "or unset it to use the system's trust store" in err
    assert not index.log


def test_help_says_what_cert_does(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--help"], env={}) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--cert FILE" in text
    assert "PEM bundle of the certificate authorities to trust instead of every default" in text
    assert "$CG_ACTION_CERT" in text
    assert "system's trust store" in text


# -- through a proxy -------------------------------------------------------------------------------


class ConnectProxy(socketserver.ThreadingTCPServer):
    """An HTTP proxy on 127.0.0.1 that opens CONNECT tunnels to 127.0.0.1 only, and records
    each tunnel's target and Proxy-Authorization."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ConnectHandler)
        self.tunnels: list[str] = []
        self.authorizations: list[str | None] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ConnectHandler(socketserver.StreamRequestHandler):
    rbufsize = 0  # nothing of the tunnel may sit in a buffer of the request's head
    timeout = 20

    def handle(self) -> None:
        server = self.server
        assert isinstance(server, ConnectProxy)
        method, target, _version = self.rfile.readline(65536).decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while (line := self.rfile.readline(65536)) not in (b"\r\n", b"\n", b""):
            key, _, value = line.decode("latin-1").partition(":")
            headers[key.strip().lower()] = value.strip()
        host, _, port = target.rpartition(":")
        if method != "CONNECT" or host not in ("127.0.0.1", "localhost"):
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        server.tunnels.append(target)
        server.authorizations.append(headers.get("proxy-authorization"))
        with socket.create_connection(("127.0.0.1", int(port)), timeout=20) as upstream:
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _relay(self.connection, upstream)


def _relay(one: socket.socket, other: socket.socket) -> None:
    """Copy bytes both ways until either side closes (or a minute has passed)."""
    with selectors.DefaultSelector() as selector:
        selector.register(one, selectors.EVENT_READ, other)
        selector.register(other, selectors.EVENT_READ, one)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for key, _events in selector.select(timeout=0.5):
                source = key.fileobj
                assert isinstance(source, socket.socket)
                try:
                    data = source.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                key.data.sendall(data)


@pytest.fixture
def proxy() -> Iterator[ConnectProxy]:
    server = ConnectProxy()
    with serving(server):
        yield server


def proxy_with_credentials(proxy: ConnectProxy) -> str:
    return proxy.url.replace("://", f"://{PROXY_USER}:{PROXY_SECRET}@")


def expected_proxy_authorization() -> str:
    return "Basic " + base64.b64encode(f"{PROXY_USER}:{PROXY_SECRET}".encode()).decode()


def test_the_check_goes_through_the_proxy_and_verifies_with_cert(
    project: Path,
    index: HTTPServer,
    ca_pem: Path,
    proxy: ConnectProxy,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy_with_credentials(proxy))
    caplog.set_level("DEBUG")
    code, out, err = check(project, index, "--cert", str(ca_pem))
    assert_verified(code, out, err, index)
    port = index.url_for("/").split(":")[2].rstrip("/")
    assert proxy.tunnels == [f"127.0.0.1:{port}"]
    assert proxy.authorizations == [expected_proxy_authorization()]  # to the proxy alone
    assert PROXY_SECRET not in out + err + caplog.text
    (request, _response) = index.log[0]
    assert "Proxy-Authorization" not in request.headers


def test_through_the_proxy_an_untrusted_certificate_says_what_to_do(
    project: Path, index: HTTPServer, proxy: ConnectProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    assert_not_trusted(*check(project, index), index)
    assert proxy.tunnels  # the handshake failed inside the tunnel


def test_the_proxy_s_credentials_are_never_shown(
    project: Path, index: HTTPServer, ca_pem: Path, proxy: ConnectProxy
) -> None:
    # a process, so that -vv writes every log line (httpx's and httpcore's too) to stderr;
    # the proxy refuses this one tunnel target, so a failure is reported as well
    env = {key: value for key, value in os.environ.items() if key not in CLEARED}
    env.update(
        HTTPS_PROXY=proxy_with_credentials(proxy),
        ALL_PROXY=proxy_with_credentials(proxy),
        CG_ACTION_NO_NETRC="true",
        PYTHONPATH=str(ROOT),
    )
    good = check_argv(project, index, "--cert", str(ca_pem))
    refused = check_argv(project, "https://[::1]:1/simple/", "--cert", str(ca_pem))
    for args in (good, refused):
        run = subprocess.run(
            [sys.executable, "-m", "cg_action", "-vv", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert run.returncode in (0, 3), run.stderr
        assert "cg-action: DEBUG" in run.stderr  # the debug log was written
        assert PROXY_SECRET not in run.stdout + run.stderr
    assert proxy.authorizations[0] == expected_proxy_authorization()


# -- the REST calls --------------------------------------------------------------------------------


def test_rest_calls_trust_what_the_run_trusts(index: HTTPServer, ca_pem: Path) -> None:
    index.expect_request("/api").respond_with_json({"ok": True})
    url = index.url_for("/api")
    with pytest.raises(RestFailure) as raised:
        rest_request("GET", url, headers={}, timeout=10)
    assert "TLS certificate was not trusted" in raised.value.reason
    assert "--cert FILE" in raised.value.reason
    trust_module.use_trust(trust_module.Trust(cert=ca_pem))  # what --cert sets
    answer = rest_request("GET", url, headers={}, timeout=10)
    assert answer.status == 200
    assert json.loads(answer.body) == {"ok": True}


def test_rest_calls_go_through_the_proxy_with_the_run_s_trust(
    index: HTTPServer, ca_pem: Path, proxy: ConnectProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    index.expect_request("/api").respond_with_json({"ok": True})
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    trust_module.use_trust(trust_module.Trust(cert=ca_pem))
    answer = rest_request("GET", index.url_for("/api"), headers={}, timeout=10)
    assert answer.status == 200
    assert len(proxy.tunnels) == 1
