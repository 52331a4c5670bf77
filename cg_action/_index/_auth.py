"""Credentials for an index: given ones or the ``.netrc`` entry for its host, sent up front.

Some repository managers answer an anonymous request with a partial listing and 200, so the
``Authorization`` header goes with the first request, never after a 401. It goes only to the
index's own origin (scheme, host and port): a redirect elsewhere (Chainguard's files redirect
to pre-signed URLs on another host) loses it. And never over plain http to another machine,
where anyone on the way could read it: such an index is asked without credentials, with one
warning (over http to this machine, a local mirror or a test server, they go).
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import netrc
from pathlib import Path
from urllib.parse import urlsplit

from cg_action._errors import InputError
from cg_action._models import Credentials, IndexConfig
from cg_action._urls import redact_url

logger = logging.getLogger(__name__)

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``, with the scheme's default port filled in."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ("", "", None)
    scheme = parts.scheme.lower()
    return (scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme))


def is_same_origin(url: str, other: str) -> bool:
    """Whether both URLs share scheme, host and port."""
    return origin_of(url) == origin_of(other)


def netrc_credentials(host: str, path: Path | None) -> Credentials | None:
    """The ``.netrc`` entry for ``host`` (``path``, else ``~/.netrc``); None when there is none."""
    target = path if path is not None else Path.home() / ".netrc"
    if not target.is_file():
        return None
    try:
        entries = netrc.netrc(str(target))
    except netrc.NetrcParseError as exc:
        raise InputError(
            f"{exc.filename}:{exc.lineno}: cannot read the netrc file: {exc.msg}; "
            "fix the file or pass the credentials another way"
        ) from exc
    except OSError as exc:
        raise InputError(f"{target}: cannot read the netrc file: {exc.strerror}") from exc
    found = entries.authenticators(host)
    if found is None:
        return None
    login, _account, password = found
    if not login and not password:
        return None
    logger.debug("using the netrc entry for %s from %s", host, target)
    return Credentials(username=login or "", password=password or "")


def resolve_credentials(index: IndexConfig) -> Credentials | None:
    """The index's credentials: the given ones, else its host's netrc entry, else None; None
    too (with a warning) when the index is reached over plain http on another machine."""
    credentials = index.credentials
    if credentials is None and index.use_netrc:
        host = origin_of(index.url)[1]
        credentials = netrc_credentials(host, index.netrc_path) if host else None
    if credentials is not None and not may_carry_credentials(index.url):
        logger.warning(
            "credentials withheld from %s: over plain http to another machine anyone on the "
            "way could read them; use the index's https URL",
            redact_url(index.url),
        )
        return None
    return credentials


def may_carry_credentials(url: str) -> bool:
    """Whether credentials may be sent to ``url``: https, or http to this machine."""
    scheme, host, _port = origin_of(url)
    return scheme == "https" or (scheme == "http" and is_loopback(host))


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def basic_auth_header(credentials: Credentials) -> str:
    """The value of an ``Authorization: Basic`` header (the username is used as is)."""
    raw = f"{credentials.username}:{credentials.password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")
