"""``cg-action update-hashes``: point lockfile digests at the files Chainguard serves.

Handles requirements files with ``--hash`` options, ``uv.lock``, ``poetry.lock``,
``pdm.lock``, ``Pipfile.lock`` and ``pylock.toml`` (see ``cg_action._rewrite._hashes`` and
its ``_hashes_<format>`` modules). Versions never change; versions Chainguard does not serve
are left as they are and listed; a lock whose digests the index serves already is left byte
for byte ("0 packages changed"). Platforms the lock had wheels for and Chainguard has not are
listed as notes. ``--append`` keeps the upstream digests beside Chainguard's
where the format allows several (requirements, poetry.lock, pdm.lock, Pipfile.lock);
``--diff`` shows the change and writes nothing. ``--relock`` re-runs pip-compile on
pip-compile outputs against the Chainguard index instead of editing their digests.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from cg_action._commands._options import (
    add_client_options,
    add_index_options,
    add_paths_argument,
    env_flag,
)
from cg_action._models import ExitCode, Unavailable

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

    from cg_action._index import IndexClient
    from cg_action._models import Dependency, FileFormat, IndexConfig, ProjectAnswer
    from cg_action._rewrite._hashes import FileSizes, HashUpdate

NAME = "update-hashes"
_SIZE_REQUESTS = 16  # sizes asked of the index at once
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
        help="keep the recorded digests and add Chainguard's beside them "
        "(requirements, poetry.lock, pdm.lock, Pipfile.lock)",
    )
    parser.add_argument(
        "--relock",
        action="store_true",
        default=env_flag(env, "CG_ACTION_RELOCK"),
        help="re-run pip-compile on pip-compile outputs against the Chainguard index "
        "(versions may change) instead of editing their digests",
    )
    parser.add_argument(
        "--diff",
        action="store_true",
        default=env_flag(env, "CG_ACTION_DIFF"),
        help="print a unified diff and write nothing",
    )


def run(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    """Read the lockfiles, ask the index once per project, rewrite the digests."""

    from cg_action._commands._options import (
        client_settings_from,
        index_config_from,
        paths_from,
    )
    from cg_action._index import IndexClient
    from cg_action._models import FileFormat
    from cg_action._rewrite._files import find_config_files
    from cg_action._rewrite._hashes import FileSizes
    from cg_action._rewrite._interface import ConfigFormat
    from cg_action._rewrite._plan import FilePlan, apply_plan, ensure_writable, read_config
    from cg_action._sources._dispatch import parse_file
    from cg_action._sources._requirements import parse_requirements

    index = index_config_from(args, env)
    targets: list[tuple[FileFormat, Path, list[Dependency]]] = []
    relocks: list[Path] = []
    unreadable = 0
    for path, fmt in find_config_files(paths_from(args, env)):
        if fmt is ConfigFormat.LOCK:
            source = parse_file(path)
            if source.problems:
                # Part of this lock could not be read: rewriting the rest could lose entries.
                unreadable += 1
                for problem in source.problems:
                    err.write(f"cg-action: {problem}\n")
                err.write(f"cg-action: {path} was left unchanged: fix the problems above first\n")
                continue
            targets.append((source.format, path, list(source.dependencies)))
        elif fmt is ConfigFormat.REQUIREMENTS:
            source = parse_requirements(path, environ=env)
            if args.relock and source.format is FileFormat.PIP_COMPILE:
                relocks.append(path)
                continue
            deps = [d for d in source.dependencies if d.hashes and d.location.path == path]
            if deps:
                targets.append((FileFormat.REQUIREMENTS, path, deps))
    left: list[str] = []
    if relocks:
        from cg_action._rewrite._hashes_relock import relock

        for path in relocks:
            plan = relock(path, index, env=env)
            if args.diff:
                out.write(plan.diff())
            elif apply_plan(plan):
                out.write(f"relocked {path} against the Chainguard index\n")
    names: list[NormalizedName] = [d.name for _, _, deps in targets for d in deps if d.version]
    if not names:
        if not relocks and not unreadable:
            out.write("no lockfile with digests found\n")
        return ExitCode.INPUT if unreadable else ExitCode.OK
    with IndexClient(client_settings_from(args, env)) as client:
        answers = client.get_projects(index, names)
        unknown = {n: a for n, a in answers.items() if isinstance(a, Unavailable)}
        if unknown:
            # A network failure is not "not served": write nothing rather than half an update.
            for name, answer in sorted(unknown.items()):
                err.write(
                    f"cg-action: unknown: {name}: the index could not be asked ({answer.reason})\n"
                )
            err.write("cg-action: no lockfile was changed; run again when the index answers\n")
            return ExitCode.INDEX
        notes: list[str] = []
        planned: list[tuple[FilePlan, int]] = []
        for file_format, path, deps in targets:
            config = read_config(path)
            update = _update(file_format, config.text, path, deps, answers, index.url, args)
            if update.sizes_wanted:  # entries record sizes the index's pages do not give
                asked = _ask_sizes(client, index, update.sizes_wanted)
                sizes = FileSizes(asked=asked)
                update = _update(
                    file_format, config.text, path, deps, answers, index.url, args, sizes
                )
            plan = FilePlan(source=config, new_text=update.text)
            left.extend(f"{path}: {item}" for item in update.left)
            notes.extend(f"{path}: {item}" for item in update.notes)
            planned.append((plan, len(update.updated)))
    if args.diff:
        for plan, _ in planned:
            out.write(plan.diff())
    else:
        # Every file is checked before the first is written: a refusal changes nothing at all.
        for plan, _ in planned:
            if plan.is_change:
                ensure_writable(plan.path, root=plan.source.root)
        for plan, updated in planned:
            if apply_plan(plan):
                out.write(f"updated {plan.path}: {updated} package(s) now use Chainguard's files\n")
            else:
                out.write(f"unchanged {plan.path}: 0 packages changed\n")
    for item in left:
        out.write(f"left: {item}\n")
    for item in notes:
        out.write(f"note: {item}\n")
    return ExitCode.INPUT if unreadable else ExitCode.OK


def _update(
    file_format: FileFormat,
    text: str,
    path: Path,
    deps: list[Dependency],
    answers: Mapping[NormalizedName, ProjectAnswer],
    index_url: str,
    args: argparse.Namespace,
    sizes: FileSizes | None = None,
) -> HashUpdate:
    """The new text of one lockfile, by the updater the table names for its format."""
    from cg_action._formats_table import kind_of_format, load
    from cg_action._rewrite._hashes import HashJob

    target = kind_of_format(file_format).hashes
    if target is None:  # pyproject.toml, Pipfile: no digests to update
        return HashUpdate(text=text)
    updater = load(target)
    job = HashJob(text, path, deps, answers, index_url, append=bool(args.append), sizes=sizes)
    update: HashUpdate = updater(job)
    return update


def _ask_sizes(client: IndexClient, index: IndexConfig, urls: list[str]) -> dict[str, int | None]:
    """Each file's size, asked of the index (a HEAD, or a one-byte range request), a few at once.

    The first is asked alone: it starts the client's event loop, which the others then share.
    """
    from concurrent.futures import ThreadPoolExecutor

    first, rest = urls[0], urls[1:]
    sizes: dict[str, int | None] = {first: client.file_size(index, first)}
    if rest:
        with ThreadPoolExecutor(max_workers=min(_SIZE_REQUESTS, len(rest))) as pool:
            sizes.update(
                zip(rest, pool.map(lambda url: client.file_size(index, url), rest), strict=True)
            )
    return sizes
