"""Option groups shared by several subcommands, with their ``CG_ACTION_*`` environment defaults.

Every option takes its default from the environment mapping it is given (never from
``os.environ`` directly), so that the GitHub Action only has to set variables: most as the
argparse default, ``--username`` / ``--password`` when the index's credentials are resolved
(``index_config_for``), and the cache folder from ``XDG_CACHE_HOME`` / ``LOCALAPPDATA`` with
the user's home folder as the platform's fallback.

Where credentials go: those of the environment (``CHAINGUARD_PYTHON_IDENTITY_ID`` /
``CHAINGUARD_PYTHON_TOKEN``, ``CG_ACTION_USERNAME`` / ``CG_ACTION_PASSWORD``), of
``--username`` / ``--password`` and of ``.netrc`` go to the Chainguard host over https, to the
built-in indexes, or to an index URL the user gave (``--index-url`` and the other URL options,
or their ``CG_ACTION_*`` variables, which the Action's inputs set). An index URL the repository
chose (``index-url`` / ``fallback-index-url`` in its policy file, which a pull request can
change) is asked without them, and one warning line says how to pass it so they are sent. The
index client adds the last rule: never over plain http to another machine (``_index._auth``).
Every index URL must be an http(s) URL with a host and a port from 1 to 65535; a message about
one that is not shows its host alone, never what could be a credential.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cg_action._errors import UsageError
from cg_action._models import ClientSettings, Credentials, IndexConfig
from cg_action._urls import (
    CHAINGUARD_HOST,
    CHAINGUARD_INDEX,
    CHAINGUARD_REMEDIATED_INDEX,
    PYPI_INDEX,
    check_index_url,
    normalize_index_url,
    redact_url,
    split_credentials,
)

logger = logging.getLogger(__name__)

# the URL options a user sets (never a repository): option, and the variable the Action sets
USER_URL_OPTIONS = {
    "index_url": ("--index-url", "CG_ACTION_INDEX_URL"),
    "fallback_index_url": ("--fallback-index-url", "CG_ACTION_FALLBACK_INDEX_URL"),
    "remediated_index_url": ("--remediated-index-url", "CG_ACTION_REMEDIATED_INDEX_URL"),
}

DEFAULT_TIME_LIMIT = 600.0  # seconds: a CI job learns in ten minutes at most that an index hangs
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def env_flag(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    """A boolean environment variable; anything unrecognised is a usage error."""
    raw = env.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise UsageError(f"{name}={raw!r} is not a boolean; use true or false")


def env_number(env: Mapping[str, str], name: str, default: float) -> float:
    """A number from an environment variable; anything else is a usage error."""
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return float(raw)
    except ValueError:
        raise UsageError(f"{name}={raw!r} is not a number") from None


def env_path(env: Mapping[str, str], name: str) -> Path | None:
    """A path from an environment variable (None when unset or empty)."""
    raw = env.get(name)
    return Path(raw) if raw else None


def env_list(env: Mapping[str, str], name: str) -> list[str]:
    """A list from an environment variable: items separated by commas, spaces or newlines."""
    raw = env.get(name, "")
    return [item for item in raw.replace(",", " ").split() if item]


def split_words(values: Sequence[str] | None) -> list[str]:
    """Options given several times or as comma-separated lists, flattened."""
    out: list[str] = []
    for value in values or ():
        out.extend(item for item in value.replace(",", " ").split() if item)
    return out


def add_paths_argument(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    """PATH ... (default: CG_ACTION_PATHS, else the current directory); PATH:FORMAT names the
    format of a file whose name does not tell it (``cg_action._formats_table``)."""
    from cg_action._formats_table import given_path

    parser.add_argument(
        "paths",
        nargs="*",
        type=given_path,
        metavar="PATH",
        help="files or directories to read (default: $CG_ACTION_PATHS, else '.'); "
        "PATH:FORMAT reads a file of another name, e.g. deps/prod.lst:requirements",
    )


def paths_from(args: argparse.Namespace, env: Mapping[str, str]) -> list[Path]:
    """The paths given, or CG_ACTION_PATHS, or the current directory."""
    if args.paths:
        return list(args.paths)
    from cg_action._formats_table import given_path

    from_env = env_list(env, "CG_ACTION_PATHS")
    return [given_path(p) for p in from_env] or [Path()]


class _StoreGiven(argparse.Action):
    """Store the value, and again as ``given_<dest>``: a command that later fills the option
    from the policy file must not make the repository's choice look like the user's."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, values)
        setattr(namespace, f"given_{self.dest}", values)


def add_index_options(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    """--index-url, credentials and netrc."""
    group = parser.add_argument_group("index")
    parser.set_defaults(given_index_url=env.get("CG_ACTION_INDEX_URL") or None)
    group.add_argument(
        "--index-url",
        action=_StoreGiven,
        default=env.get("CG_ACTION_INDEX_URL") or None,
        metavar="URL",
        help=(
            "simple index to check against "
            f"(default: $CG_ACTION_INDEX_URL, else {CHAINGUARD_INDEX})"
        ),
    )
    group.add_argument(
        "--username",
        default=None,
        help="index username (default: $CG_ACTION_USERNAME or $CHAINGUARD_PYTHON_IDENTITY_ID)",
    )
    group.add_argument(
        "--password",
        default=None,
        help="index password or token; prefer $CHAINGUARD_PYTHON_TOKEN (no process list shows it)",
    )
    group.add_argument(
        "--no-netrc",
        action="store_true",
        default=env_flag(env, "CG_ACTION_NO_NETRC"),
        help="do not look up credentials in .netrc ($NETRC or ~/.netrc)",
    )


def _credentials(
    username: str | None, password: str | None, url_user: str | None, url_password: str | None
) -> Credentials | None:
    user = username or url_user
    secret = password or url_password
    if user is None and secret is None:
        return None
    if secret is None:
        raise UsageError(
            "a username was given without a password or token; set CHAINGUARD_PYTHON_TOKEN"
        )
    return Credentials(username=user or "_token", password=secret)


def index_config_for(
    url: str,
    args: argparse.Namespace,
    env: Mapping[str, str],
    *,
    with_env_credentials: bool = True,
) -> IndexConfig:
    """An IndexConfig for ``url``: user-info in the URL, then options, then the environment.

    ``with_env_credentials`` False: a fallback index, which only the URL's user-info and
    ``.netrc`` authenticate. A URL the repository chose gets neither (see the docstring).
    """
    given = _user_given(url, args)
    role = "index-url" if with_env_credentials else "fallback-index-url"
    where = f"{given[0]} (or {given[1]})" if given else f"{role} in the policy file"
    check_index_url(url, where)
    clean, url_user, url_password = split_credentials(url.strip())
    clean = normalize_index_url(clean)
    username = getattr(args, "username", None)
    password = getattr(args, "password", None)
    if with_env_credentials:
        username = (
            username
            or env.get("CG_ACTION_USERNAME")
            or env.get("CHAINGUARD_PYTHON_IDENTITY_ID")
            or None
        )
        password = (
            password or env.get("CG_ACTION_PASSWORD") or env.get("CHAINGUARD_PYTHON_TOKEN") or None
        )
    netrc = env.get("NETRC")
    netrc_path = Path(netrc) if netrc else None
    use_netrc = not getattr(args, "no_netrc", False)
    if given is None and not _is_trusted_default(clean, fallback=not with_env_credentials):
        # the repository chose this index: its own user-info only, nothing of the user's
        if username or password or (use_netrc and _has_netrc_entry(clean, netrc_path)):
            option, variable = USER_URL_OPTIONS[role.replace("-", "_")]
            logger.warning(
                "credentials withheld from %s, the %s the repository's policy file chose; "
                "to send them, give the URL with %s or %s (the Action's %s input)",
                redact_url(clean),
                role,
                option,
                variable,
                role,
            )
        username = password = None
        use_netrc = False
    return IndexConfig(
        url=clean,
        credentials=_credentials(username, password, url_user, url_password),
        use_netrc=use_netrc,
        netrc_path=netrc_path,
    )


def _user_given(url: str, args: argparse.Namespace) -> tuple[str, str] | None:
    """The (option, variable) the user gave ``url`` with; None when the user did not."""
    for dest, names in USER_URL_OPTIONS.items():
        value = getattr(args, f"given_{dest}", None)
        if isinstance(value, str) and value.strip() == url.strip():
            return names
    return None


def _is_trusted_default(url: str, *, fallback: bool) -> bool:
    """Whether ``url`` is an index the tool itself names: Chainguard's host over https, or
    (for a fallback, authenticated by ``.netrc`` alone) PyPI."""
    parts = urlsplit(url)
    if parts.scheme == "https" and (parts.hostname or "") == CHAINGUARD_HOST:
        return True
    return fallback and url == PYPI_INDEX


def _has_netrc_entry(url: str, netrc_path: Path | None) -> bool:
    from cg_action._errors import InputError
    from cg_action._index._auth import netrc_credentials

    try:
        return netrc_credentials((urlsplit(url).hostname or "").lower(), netrc_path) is not None
    except InputError:  # unreadable: it would not have been used for this index either way
        return False


def index_config_from(args: argparse.Namespace, env: Mapping[str, str]) -> IndexConfig:
    """The primary index with its credentials."""
    return index_config_for(args.index_url or CHAINGUARD_INDEX, args, env)


def add_fallback_options(
    parser: argparse.ArgumentParser, env: Mapping[str, str], *, writing: bool = False
) -> None:
    """--fallback-index-url / --no-fallback and the remediated index.

    ``writing``: the options say what a rewritten configuration lists (``rewrite``), not
    which indexes are asked (``check``).
    """
    group = parser.add_argument_group("fallback and remediated indexes")
    exclusive = group.add_mutually_exclusive_group()
    parser.set_defaults(
        given_fallback_index_url=env.get("CG_ACTION_FALLBACK_INDEX_URL") or None,
        given_remediated_index_url=env.get("CG_ACTION_REMEDIATED_INDEX_URL") or None,
    )
    exclusive.add_argument(
        "--fallback-index-url",
        action=_StoreGiven,
        default=env.get("CG_ACTION_FALLBACK_INDEX_URL") or None,
        metavar="URL",
        help=(
            f"index kept as a lower-priority source (default: {PYPI_INDEX})"
            if writing
            else f"index asked about what the primary lacks (default: {PYPI_INDEX})"
        ),
    )
    exclusive.add_argument(
        "--no-fallback",
        action="store_true",
        default=env_flag(env, "CG_ACTION_NO_FALLBACK"),
        help=(
            "remove PyPI from the configuration: what Chainguard lacks fails to install"
            if writing
            else "do not ask a fallback index: what Chainguard lacks is 'missing'"
        ),
    )
    if writing:
        exclusive.add_argument(
            "--fallback",
            action="store_true",
            default=env_flag(env, "CG_ACTION_FALLBACK"),
            help=(
                "add PyPI as a lower-priority source even where the file does not use it yet "
                "(default: keep PyPI only where the file already lets it in)"
            ),
        )
    group.add_argument(
        "--remediated",
        action=argparse.BooleanOptionalAction,
        # unset or empty: the policy file decides
        default=env_flag(env, "CG_ACTION_REMEDIATED")
        if env.get("CG_ACTION_REMEDIATED", "").strip()
        else None,
        help=(
            "put the remediated index (+cgr.N builds with CVE fixes) in front"
            if writing
            else "also consult the remediated index (+cgr.N builds with CVE fixes)"
        ),
    )
    group.add_argument(
        "--remediated-index-url",
        action=_StoreGiven,
        default=env.get("CG_ACTION_REMEDIATED_INDEX_URL") or None,
        metavar="URL",
        help=f"remediated index (default: {CHAINGUARD_REMEDIATED_INDEX})",
    )


def add_client_options(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    """Cache, concurrency, offline mode, time limit and TLS trust."""
    group = parser.add_argument_group("network and cache")
    group.add_argument(
        "--concurrency",
        type=int,
        default=int(env_number(env, "CG_ACTION_CONCURRENCY", 50)),
        help="index requests in flight at once (default: 50, as uv downloads)",
    )
    group.add_argument(
        "--cache-dir",
        type=Path,
        default=env_path(env, "CG_ACTION_CACHE_DIR"),
        help="where index answers are cached (default: the user cache directory)",
    )
    group.add_argument(
        "--no-cache",
        action="store_true",
        default=env_flag(env, "CG_ACTION_NO_CACHE"),
        help="neither read nor write the on-disk cache",
    )
    group.add_argument(
        "--cache-ttl",
        type=float,
        default=env_number(env, "CG_ACTION_CACHE_TTL", 600),
        metavar="SECONDS",
        help="use a cached answer without asking again for this long (default: 600)",
    )
    group.add_argument(
        "--offline",
        action="store_true",
        default=env_flag(env, "CG_ACTION_OFFLINE"),
        help="answer from the cache alone; what it lacks is 'unknown'",
    )
    group.add_argument(
        "--timeout",
        type=float,
        default=env_number(env, "CG_ACTION_TIMEOUT", DEFAULT_TIME_LIMIT),
        metavar="SECONDS",
        help=(
            "the longest the run waits for the indexes, in total, whatever they send; what "
            f"has no answer by then is 'unknown' (default: {DEFAULT_TIME_LIMIT:g})"
        ),
    )
    group.add_argument(
        "--cert",
        type=Path,
        default=env_path(env, "CG_ACTION_CERT"),
        metavar="FILE",
        help=(
            "PEM bundle of the certificate authorities to trust instead of every default, "
            "e.g. a TLS-inspecting proxy's (default: $CG_ACTION_CERT; else SSL_CERT_FILE / "
            "SSL_CERT_DIR; else the system's trust store; else certifi's). Proxies: "
            "HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY"
        ),
    )


def default_cache_dir(env: Mapping[str, str]) -> Path:
    """The user cache directory (XDG on Linux, the platform's elsewhere)."""
    if sys.platform == "win32":
        base = Path(env.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "cg-action" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "cg-action"
    xdg = env.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "cg-action"


def client_settings_from(
    args: argparse.Namespace, env: Mapping[str, str], *, show_progress: bool = False
) -> ClientSettings:
    """ClientSettings from the network and cache options."""
    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    if args.no_cache and args.offline:
        raise UsageError("--offline answers from the cache: it cannot go with --no-cache")
    cache_dir = None if args.no_cache else (args.cache_dir or default_cache_dir(env))
    time_limit = getattr(args, "timeout", DEFAULT_TIME_LIMIT)
    if not (math.isfinite(time_limit) and time_limit > 0):
        raise UsageError(
            f"--timeout (CG_ACTION_TIMEOUT) must be a positive number of seconds, not {time_limit}"
        )
    _use_trust(args, env)
    defaults = ClientSettings()
    return ClientSettings(
        concurrency=args.concurrency,
        cache_dir=cache_dir,
        cache_ttl=args.cache_ttl,
        offline=args.offline,
        show_progress=show_progress,
        time_limit=time_limit,
        total_timeout=min(defaults.total_timeout, time_limit),
    )


def _use_trust(args: argparse.Namespace, env: Mapping[str, str]) -> None:
    """Make --cert (else SSL_CERT_FILE / SSL_CERT_DIR, else the system's store) the run's TLS
    trust; a file that cannot be used is a usage error now, before any request."""
    from cg_action._index._trust import Trust, check_trust, use_trust

    trust = Trust.from_environment(env, cert=getattr(args, "cert", None))
    check_trust(trust)
    use_trust(trust)
