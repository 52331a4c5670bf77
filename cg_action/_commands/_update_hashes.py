"""``cg-action update-hashes``: point lockfile digests at the files Chainguard serves.

Handles requirements files with ``--hash`` options and ``uv.lock`` (see
``cg_action._rewrite._hashes``). Versions never change; versions Chainguard does not serve are
left as they are and listed. ``--append`` keeps the upstream digests beside Chainguard's where
the format allows several (requirements files); ``--diff`` shows the change and writes nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from cg_action._commands._options import (
    add_client_options,
    add_index_options,
    add_paths_argument,
    env_flag,
)
from cg_action._models import ExitCode

NAME = "update-hashes"
HELP = "replace lockfile digests with Chainguard's"


def configure(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    """Add the options; each takes its default from a CG_ACTION_* variable."""
    add_paths_argument(parser, env)
    add_index_options(parser, env)
    add_client_options(parser, env)
    parser.add_argument(
        "--append",
        action="store_true",
        default=env_flag(env, "CG_ACTION_APPEND"),
        help="keep the recorded digests and add Chainguard's beside them (requirements files)",
    )
    parser.add_argument(
        "--diff",
        action="store_true",
        default=env_flag(env, "CG_ACTION_DIFF"),
        help="print a unified diff and write nothing",
    )


def run(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    """Read the lockfiles, ask the index once per project, rewrite the digests."""
    from packaging.utils import NormalizedName

    from cg_action._commands._options import (
        client_settings_from,
        index_config_from,
        paths_from,
    )
    from cg_action._index import IndexClient
    from cg_action._models import Dependency
    from cg_action._rewrite._files import find_config_files
    from cg_action._rewrite._hashes import update_requirements, update_uv_lock
    from cg_action._rewrite._interface import ConfigFormat
    from cg_action._rewrite._plan import FilePlan, apply_plan, read_config
    from cg_action._sources._requirements import parse_requirements
    from cg_action._sources._uv_lock import parse_uv_lock

    index = index_config_from(args, env)
    targets: list[tuple[str, Path, list[Dependency]]] = []
    for path, fmt in find_config_files(paths_from(args, env)):
        if fmt is ConfigFormat.LOCK and path.name == "uv.lock":
            deps = list(parse_uv_lock(path).dependencies)
            targets.append(("uv", path, deps))
        elif fmt is ConfigFormat.REQUIREMENTS:
            source = parse_requirements(path, environ=env)
            deps = [d for d in source.dependencies if d.hashes and d.location.path == path]
            if deps:
                targets.append(("requirements", path, deps))
    names: list[NormalizedName] = [d.name for _, _, deps in targets for d in deps]
    if not names:
        out.write("no lockfile with digests found\n")
        return ExitCode.OK
    with IndexClient(client_settings_from(args, env)) as client:
        answers = client.get_projects(index, names)
    left: list[str] = []
    for kind, path, deps in targets:
        config = read_config(path)
        if kind == "uv":
            update = update_uv_lock(config.text, path, answers, index.url)
        else:
            update = update_requirements(config.text, deps, answers, append=args.append)
        plan = FilePlan(source=config, new_text=update.text)
        left.extend(f"{path}: {item}" for item in update.left)
        if args.diff:
            out.write(plan.diff())
        elif apply_plan(plan):
            out.write(
                f"updated {path}: {len(update.updated)} package(s) now use Chainguard's files\n"
            )
    for item in left:
        out.write(f"left: {item}\n")
    return ExitCode.OK
