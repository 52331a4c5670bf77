"""Option groups shared by several subcommands, with their ``CG_ACTION_*`` environment defaults.

Every option reads its default from the environment mapping it is given (never from
``os.environ`` directly), so that the GitHub Action only has to set variables.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from cg_action._errors import UsageError
from cg_action._models import ClientSettings, Credentials, IndexConfig
from cg_action._urls import (
    CHAINGUARD_INDEX,
    CHAINGUARD_REMEDIATED_INDEX,
    PYPI_INDEX,
    normalize_index_url,
    split_credentials,
)

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
    """PATH ... (default: CG_ACTION_PATHS, else the current directory)."""
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="files or directories to read (default: $CG_ACTION_PATHS, else '.')",
    )


def paths_from(args: argparse.Namespace, env: Mapping[str, str]) -> list[Path]:
    """The paths given, or CG_ACTION_PATHS, or the current directory."""
    if args.paths:
        return list(args.paths)
    from_env = env_list(env, "CG_ACTION_PATHS")
    return [Path(p) for p in from_env] or [Path()]


def add_index_options(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    """--index-url, credentials and netrc."""
    group = parser.add_argument_group("index")
    group.add_argument(
        "--index-url",
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
    """An IndexConfig for ``url``: user-info in the URL, then options, then the environment."""
    clean, url_user, url_password = split_credentials(url)
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
    return IndexConfig(
        url=normalize_index_url(clean),
        credentials=_credentials(username, password, url_user, url_password),
        use_netrc=not getattr(args, "no_netrc", False),
        netrc_path=Path(netrc) if netrc else None,
    )


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
    exclusive.add_argument(
        "--fallback-index-url",
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
        default=env.get("CG_ACTION_REMEDIATED_INDEX_URL") or None,
        metavar="URL",
        help=f"remediated index (default: {CHAINGUARD_REMEDIATED_INDEX})",
    )


def add_client_options(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    """Cache, concurrency and offline mode."""
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
