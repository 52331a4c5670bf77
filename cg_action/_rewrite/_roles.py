"""What an index URL in a configuration is, from the point of view of a rewrite.

A configured index is the Chainguard index (or the repository manager the user names in its
place), the remediated index, PyPI, or something else (a private index, which is kept).
User-info made only of ``${VAR}`` references is not a secret; anything else is.
"""

from __future__ import annotations

import enum
import re
from urllib.parse import urlsplit, urlunsplit

from cg_action._rewrite._interface import RewriteOptions
from cg_action._urls import CHAINGUARD_HOST, is_pypi_url, redact_url, split_credentials

_ENV_REFERENCE_USERINFO = re.compile(r"^(\$\{[A-Za-z_][A-Za-z0-9_]*\}|:)+$")

_TOKEN_LENGTH = 20

CHAINGUARD_NAME = "chainguard"
REMEDIATED_NAME = "chainguard-remediated"


class Role(enum.Enum):
    """What a configured index is."""

    CHAINGUARD = "chainguard"
    REMEDIATED = "remediated"
    PYPI = "pypi"
    OTHER = "other"


def env_name(source_name: str) -> str:
    """The environment-variable stem uv and Poetry derive from an index or source name.

    Upper case, every other character than A-Z and 0-9 as ``_``: ``chainguard-remediated`` ->
    ``CHAINGUARD_REMEDIATED`` (``UV_INDEX_<stem>_USERNAME``, ``POETRY_HTTP_BASIC_<stem>_...``).
    """
    return re.sub(r"[^A-Z0-9]", "_", source_name.upper())


def comparable_url(url: str) -> str:
    """``url`` without user-info, scheme and host lower-cased, with one trailing slash."""
    try:
        clean = split_credentials(url.strip())[0]
    except ValueError:
        clean = redact_url(url.strip())
    try:
        parts = urlsplit(clean)
    except ValueError:
        return clean.rstrip("/") + "/"
    path = parts.path.rstrip("/") + "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def same_index(left: str, right: str) -> bool:
    """Whether two index URLs name the same index (user-info and trailing slash aside)."""
    return comparable_url(left) == comparable_url(right)


def role_of(url: str, options: RewriteOptions) -> Role:
    """The role of a configured index URL."""
    if same_index(url, options.remediated_index_url):
        return Role.REMEDIATED
    if same_index(url, options.index_url):
        return Role.CHAINGUARD
    if same_index(url, options.fallback_index_url) or is_pypi_url(url):
        return Role.PYPI
    try:
        parts = urlsplit(url.strip())
        host, path = (parts.hostname or "").lower(), parts.path
    except ValueError:
        return Role.OTHER
    if host == CHAINGUARD_HOST:
        if path.startswith("/python-remediated/"):
            return Role.REMEDIATED
        if path.startswith("/python/") or path == "/python":
            return Role.CHAINGUARD
    return Role.OTHER


def userinfo_of(url: str) -> str | None:
    """The raw user-info of ``url`` (None when it has none)."""
    try:
        netloc = urlsplit(url.strip()).netloc
    except ValueError:
        return None
    if "@" not in netloc:
        return None
    return netloc.rpartition("@")[0]


def is_env_reference(userinfo: str) -> bool:
    """Whether user-info is made only of ``${VAR}`` references (expanded by the tool)."""
    return bool(_ENV_REFERENCE_USERINFO.match(userinfo))


def has_secret(url: str) -> bool:
    """Whether ``url`` carries literal credentials (a password, or a bare token as user)."""
    userinfo = userinfo_of(url)
    if userinfo is None or is_env_reference(userinfo):
        return False
    user, has_password, password = userinfo.partition(":")
    if has_password:
        return bool(password) and not is_env_reference(password)
    # ``git@host`` is a login name, not a secret; a bare user on the Chainguard host, or one
    # long enough to be a token, is how tokens are passed.
    if is_env_reference(user):
        return False
    host = (urlsplit(url.strip()).hostname or "").lower()
    return host == CHAINGUARD_HOST or len(user) >= _TOKEN_LENGTH


def target_url(new: str, old: str | None, *, expands_env: bool) -> str:
    """``new``, carrying over ``old``'s user-info when it is only ``${VAR}`` references.

    Only for tools that expand such references (pip requirements files, Pipfile, PDM);
    literal credentials are never carried over.
    """
    if not expands_env or old is None:
        return new
    userinfo = userinfo_of(old)
    if userinfo is None or not is_env_reference(userinfo):
        return new
    parts = urlsplit(new)
    return urlunsplit((parts.scheme, f"{userinfo}@{parts.netloc}", parts.path, parts.query, ""))
