"""Credentials for an index: given ones or the ``.netrc`` entry for its host, sent up front.

Some repository managers answer an anonymous request with a partial listing and 200, so the
``Authorization`` header goes with the first request, never after a 401. It goes only to the
index's own origin (scheme, host and port): a redirect elsewhere (Chainguard's files redirect
to pre-signed URLs on another host) loses it.
"""

from __future__ import annotations

import base64
import logging
import netrc
from pathlib import Path
from urllib.parse import urlsplit

from cg_action._errors import InputError
from cg_action._models import Credentials, IndexConfig

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


def _netrc_credentials(host: str, path: Path | None) -> Credentials | None:
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
    """The index's credentials: the given ones, else its host's netrc entry, else None."""
    if index.credentials is not None:
        return index.credentials
    if not index.use_netrc:
        return None
    host = origin_of(index.url)[1]
    return _netrc_credentials(host, index.netrc_path) if host else None


def basic_auth_header(credentials: Credentials) -> str:
    """The value of an ``Authorization: Basic`` header (the username is used as is)."""
    raw = f"{credentials.username}:{credentials.password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")
