"""The reader of requirements files: from logical lines to ``SourceFile``.

A line is a requirement (with per-requirement ``--hash`` / ``--config-settings``), an
``-e``/``--editable`` requirement, an include (``-r``/``-c``, see ``_includes``), or option
lines kept as ``IndexOption`` under their long names. A requirement is PEP 508 (converted as
every manifest's is, by ``_pep508``), a bare URL, or a local path or archive (named by
``_names``); ``${VAR}`` is expanded only where ``_variables`` allows.

Where cg-action is stricter than pip, it says so with a problem and still reads the line:
options pip silently ignores (``--index-url`` on a requirement line, a second ``-r``),
``--hash`` values that are not a digest of the right length, ``--hash`` with no requirement. A
line pip itself would reject (an editable VCS URL without a name, an ``#egg=`` that is not a
plain name) also gets a problem. Where it is more lenient, it keeps a dependency: a local path
is taken relative to the requirements file (pip takes the working directory) and need not
exist.

Every file is hostile: reading stops after ``MAX_PROBLEMS`` problems or ``MAX_REQUIREMENTS``
requirements, and a message quotes at most a short excerpt of a line, with anything like a
credential removed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from cg_action._errors import Problem
from cg_action._models import (
    Dependency,
    DependencyKind,
    FileFormat,
    Hash,
    IndexOption,
    Location,
    SourceFile,
)
from cg_action._sources._pep508 import (
    dependency_from_requirement,
    is_vcs_scheme,
    url_kind,
    url_scheme,
)
from cg_action._sources._requirements._annotations import (
    has_compile_header,
    mentions_ignore,
    parse_hash,
    parse_ignore,
    read_via,
)
from cg_action._sources._requirements._files import identity, is_dir
from cg_action._sources._requirements._includes import Including, Stack, open_include
from cg_action._sources._requirements._lexer import (
    ANYWHERE,
    INCLUDES,
    OPTION_NAMES,
    Option,
    logical_lines,
    parse_options,
    physical_lines,
    shell_words,
    split_args_options,
    split_comment,
    split_extras,
)
from cg_action._sources._requirements._names import (
    as_editable_url,
    file_name_of,
    guess_from_file_name,
    guess_name,
    is_archive,
    is_url,
    looks_like_path,
)
from cg_action._sources._requirements._variables import Variables, holds_variable
from cg_action._sources._typed import excerpt, parser_message, read_text, without_userinfo

# The common line ``name==1.2.3`` (no extras, marker, option or ${VAR}): read without the full
# PEP 508 parser, giving exactly the Dependency the full path gives.
_PLAIN_PIN = re.compile(
    r"([A-Z0-9](?:[A-Z0-9._-]*[A-Z0-9])?)==([0-9]+(?:\.[0-9]+)*"
    r"(?:(?:a|b|rc)[0-9]+)?(?:\.post[0-9]+)?(?:\.dev[0-9]+)?)",
    re.IGNORECASE,
)

MAX_PROBLEMS = 1_000
"""After this many problems in a file (and what it includes), the rest is not read."""
MAX_REQUIREMENTS = 50_000
"""The most requirements one file (and what it includes) may hold: far more than any real one."""


def parse_requirements(
    path: Path,
    text: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    root: Path | None = None,
    secrets: Collection[str] = (),
) -> SourceFile:
    """Read a requirements file (and every file it includes) as pip would.

    ``text`` is the file's content when already read; included files are read from disk,
    relative to the including file. ``environ`` is where ``${VAR}`` values come from: the
    environment the command line was given (None: no variable is set, nothing expands).
    ``secrets`` are the credentials the run holds: a variable holding one is never expanded.
    With ``root``, includes that resolve outside it are refused with a problem. Raises
    ``ParseError`` only when ``path`` itself cannot be read.
    """
    content = read_text(path, text, root=root)
    reader = _Reader(
        variables=Variables(environ or {}, secrets),
        root=identity(root) if root is not None else None,
    )
    file_format = reader.read_file(path, content, constraint=False, stack=())
    return SourceFile(
        path=path,
        format=file_format,
        dependencies=tuple(reader.with_via_parents()),
        options=tuple(reader.options),
        problems=tuple(reader.problems),
        includes=tuple(reader.includes),
    )


@dataclass(frozen=True, slots=True)
class _Here:
    """The logical line being read: its file, first physical line, and the file's kind."""

    path: Path
    line: int
    constraint: bool  # the file was included with -c
    is_compiled: bool  # the file is pip-compile output

    @property
    def location(self) -> Location:
        return Location(path=self.path, line=self.line)


class _Reader:
    """Reads one requirements file and the files it includes, collecting what it finds."""

    def __init__(self, *, variables: Variables, root: Path | None) -> None:
        self.variables = variables
        self.root = root
        self.dependencies: list[Dependency] = []
        self.options: list[IndexOption] = []
        self.problems: list[Problem] = []
        self.includes: list[Path] = []
        self.stopped = False  # too many problems or requirements: the rest is not read
        self._seen: set[tuple[Path, bool]] = set()
        self._via_parents: dict[int, list[str]] = {}  # dependency -> its "# via" parents

    def problem(self, here: _Here, message: str) -> None:
        if self.stopped:
            return
        if len(self.problems) >= MAX_PROBLEMS:
            self.stop(
                here,
                f"more than {MAX_PROBLEMS} problems; cg-action stopped reading here: fix these "
                "first",
            )
            return
        self.problems.append(Problem(path=here.path, line=here.line, message=message))

    def stop(self, here: _Here, message: str) -> None:
        """Stop reading (this file and every file that includes it), saying why."""
        self.problems.append(Problem(path=here.path, line=here.line, message=message))
        self.stopped = True

    def read_file(self, path: Path, text: str, *, constraint: bool, stack: Stack) -> FileFormat:
        """Read ``text`` (the content of ``path``); ``stack`` is the chain of including files."""
        file_identity = identity(path)
        self._seen.add((file_identity, constraint))
        stack = (*stack, Including(file_identity, path))
        is_compiled = has_compile_header(itertools.islice(physical_lines(text), 12))
        via_target: int | None = None  # the dependency that "# via" lines describe
        via_open = False  # a bare "# via" was seen: "#   parent" lines follow
        for number, logical in logical_lines(physical_lines(text)):
            if not logical or logical.isspace():
                via_target, via_open = None, False
                continue
            if self.stopped:
                break
            here = _Here(path, number, constraint, is_compiled)
            content, comment = split_comment(logical)
            if not content:
                if via_target is not None:
                    still_open = self._via(via_target, comment, is_open=via_open)
                    if still_open is not None:
                        via_open = still_open
                        continue
                    via_target, via_open = None, False
                if mentions_ignore(comment):
                    self.problem(
                        here,
                        "an ignore comment applies only to the requirement on its own line; "
                        "move it to the end of that line",
                    )
                continue
            via_target, via_open = None, False
            produced = self._line(here, content, comment, stack)
            if produced is not None and is_compiled:
                via_target = produced
                if comment:
                    via_open = self._via(produced, comment, is_open=False) is True
        return FileFormat.PIP_COMPILE if is_compiled else FileFormat.REQUIREMENTS

    def with_via_parents(self) -> list[Dependency]:
        """The dependencies, each with its ``# via`` parents as ``via:`` groups."""
        for target, parents in self._via_parents.items():
            dependency = self.dependencies[target]
            groups = dependency.groups + tuple(f"via:{parent}" for parent in parents)
            self.dependencies[target] = replace(dependency, groups=groups)
        self._via_parents.clear()
        return self.dependencies

    def _keep(self, here: _Here, option: Option) -> None:
        """Keep an option that applies to the whole install, with its value as written."""
        self.options.append(
            IndexOption(name=option.name, value=option.value, location=here.location)
        )

    def _via(self, target: int, comment: str, *, is_open: bool) -> bool | None:
        """Add the parents a ``# via`` comment names to a dependency.

        Whether ``#   parent`` lines may follow; None when the comment is not a ``# via`` one.
        """
        found = read_via(comment, is_open=is_open)
        if found is None:
            return None
        parents, still_open = found
        self._via_parents.setdefault(target, []).extend(parents)  # added once, at the end
        return still_open

    def _line(self, here: _Here, content: str, comment: str, stack: Stack) -> int | None:
        """Handle one logical line; the index of the dependency it adds, if any."""
        plain = _PLAIN_PIN.fullmatch(content)
        if plain is not None:
            name, version = plain.groups()
            dependency = Dependency(
                name=canonicalize_name(name),
                display_name=name,
                kind=DependencyKind.PINNED,
                location=here.location,
                specifier=SpecifierSet(f"=={version}"),
                version=Version(version),
            )
            return self._add(here, dependency, (), comment)
        args, option_text = split_args_options(content)
        try:
            tokens = shell_words(option_text)
        except ValueError:
            self.problem(
                here,
                f"pip cannot split the options {excerpt(option_text)} (an unclosed quote?); "
                "fix the quoting",
            )
            tokens = []
        options, errors = parse_options(tokens)
        for error in errors:
            self.problem(here, f"pip rejects this line: {error}; remove it or fix its spelling")
        if args or any(o.name == "editable" for o in options):
            return self._requirement_line(here, args, options, comment)
        if any(o.name in INCLUDES for o in options):
            self._include_line(here, options, stack)
            return None
        for option in options:
            if option.name == "hash":
                self.problem(
                    here,
                    "--hash with no requirement on its line is ignored by pip; end the "
                    "requirement's line with a backslash to continue it here",
                )
                continue
            self._keep(here, option)
        if comment and mentions_ignore(comment):
            self.problem(here, "an ignore comment applies only to a requirement line; remove it")
        return None

    def _requirement_line(
        self, here: _Here, args: str, options: Sequence[Option], comment: str
    ) -> int | None:
        """A line that names a requirement (``args``) or an editable one (``-e``)."""
        editables = [o for o in options if o.name == "editable"]
        is_editable = not args
        hashes: list[Hash] = []
        for option in options:
            if is_editable and option is editables[0]:
                continue
            if option.name == "hash" and not is_editable:
                parsed = parse_hash(option.value)
                if isinstance(parsed, str):
                    self.problem(here, parsed)
                else:
                    hashes.append(parsed)
            elif option.name == "config-settings":
                continue  # a build setting for this requirement; nothing to check
            elif option.name in ANYWHERE:
                self._keep(here, option)
            else:
                where = "an editable line" if is_editable else "a requirement line"
                self.problem(
                    here, f"pip ignores {option.spelling} on {where}; put it on a line of its own"
                )
        if is_editable:
            dependency = self._editable(here, editables[0].value or "")
            if here.constraint:
                self.problem(
                    here,
                    "pip does not allow editable requirements in a constraints file; "
                    "move the -e line to a requirements file",
                )
        else:
            dependency = self._requirement(here, args)
        if dependency is None:
            return None
        return self._add(here, dependency, hashes, comment)

    def _add(
        self, here: _Here, dependency: Dependency, hashes: Sequence[Hash], comment: str
    ) -> int | None:
        """Keep a dependency read from a line, with its hashes and inline ignore."""
        ignore = parse_ignore(comment) if comment else None
        if isinstance(ignore, str):
            self.problem(here, ignore)
            ignore = None
        if hashes or here.constraint or here.is_compiled or ignore is not None:
            dependency = replace(  # a copy costs ~8 us: only when a field changes
                dependency,
                hashes=tuple(hashes),
                is_constraint=here.constraint,
                is_locked=here.is_compiled,
                inline_ignore=ignore,
            )
        if len(self.dependencies) >= MAX_REQUIREMENTS:
            self.stop(
                here,
                f"more than {MAX_REQUIREMENTS} requirements; cg-action stopped reading here: "
                "a file this long is not one a person wrote, check what it is",
            )
            return None
        self.dependencies.append(dependency)
        return len(self.dependencies) - 1

    def _requirement(self, here: _Here, written: str) -> Dependency | None:
        """A requirement: PEP 508, a bare URL, or a local path or archive.

        ``${VAR}`` is expanded only in a URL or path, and then only to tell which it is: the
        name, version and marker are read as written.
        """
        separator = "; " if is_url(self.variables.expand(written).text) else ";"
        target, has_marker, marker_text = written.partition(separator)
        target, marker_text = target.strip(), marker_text.strip()
        marker: Marker | None = None
        if has_marker and marker_text:
            if holds_variable(marker_text):
                self.problem(
                    here,
                    f"the environment marker {excerpt(marker_text)} holds a ${{VAR}}: "
                    "cg-action expands variables only in URLs and paths; write the value",
                )
                return None
            try:
                marker = Marker(marker_text)
            except (ValueError, RecursionError) as exc:
                self.problem(
                    here,
                    f"invalid environment marker {excerpt(marker_text)} "
                    f'({parser_message(exc)}); fix it, e.g. python_version < "3.12"',
                )
                return None
        if is_url(self.variables.expand(target).text):
            return self._direct(here, target, marker)
        words = target.split(None, 1)
        if len(words) == 2 and words[0].lower() in OPTION_NAMES:
            self.problem(
                here,
                f"{excerpt(words[0])} looks like the option --{words[0].lower()} without its "
                f"dashes; pip rejects the line: write --{words[0].lower()}",
            )
            return None
        bare, extras_text = target, ""
        extras_found = split_extras(target)
        if extras_found is not None and looks_like_path(extras_found[0]):
            bare, extras_text = extras_found
        if is_archive(bare) and not ("@" in bare and not looks_like_path(bare.split("@")[0])):
            return self._direct(here, target, marker, extras_text)
        try:
            requirement = Requirement(target)
        except (ValueError, RecursionError) as exc:
            if looks_like_path(bare):
                return self._direct(here, target, marker, extras_text)
            self._bad_requirement(here, written, exc)
            return None
        if looks_like_path(bare) and is_dir(here.path.parent / bare):
            return self._direct(here, target, marker, extras_text)
        return self._from_requirement(requirement, marker, here.location)

    def _bad_requirement(self, here: _Here, written: str, exc: BaseException) -> None:
        hint = "write it as PEP 508 says, e.g. 'name>=1.0' or 'name @ https://...'"
        target = written.split(";", 1)[0]
        if holds_variable(target):
            hint = (
                "cg-action expands ${VAR} only in URLs and paths, never in a name or version: "
                "write it out"
            )
        elif "=" in target and not any(op in target for op in ("==", ">=", "<=", "!=", "~=")):
            hint = "'=' is not a version operator: did you mean '=='?"
        elif "\t" in written:
            hint = "pip reads options only after a space: separate them with spaces, not tabs"
        self.problem(
            here, f"not a valid requirement {excerpt(written)}: {parser_message(exc)}; {hint}"
        )

    def _from_requirement(
        self, requirement: Requirement, marker: Marker | None, location: Location
    ) -> Dependency:
        """A dependency from a PEP 508 requirement, read as written (``${VAR}`` stays).

        A direct reference's ``${VAR}`` is expanded only to tell its kind; its version is the
        one its wheel or sdist file name spells.
        """
        if requirement.url is None:
            return dependency_from_requirement(requirement, location=location, marker=marker)
        guess = guess_from_file_name(file_name_of(requirement.url))
        return dependency_from_requirement(
            requirement,
            location=location,
            marker=marker,
            url_as_read=self.variables.expand(requirement.url).text,
            url_version=guess.version if guess is not None else None,
        )

    def _direct(
        self,
        here: _Here,
        written_target: str,
        marker: Marker | None,
        extras_text: str = "",
        *,
        editable: bool = False,
    ) -> Dependency | None:
        """A bare URL or local path, as written (``${VAR}`` expanded only to tell its kind)."""
        written_url = written_target
        if extras_text:
            written_url = written_url.removesuffix(extras_text).rstrip()
        expanded = self.variables.expand(written_url)
        url = as_editable_url(expanded.text) if editable else expanded.text
        guess = guess_name(written_url, expanded, here.path.parent, self.root)
        if guess is None:
            unexpanded = f" ({expanded.why_not()})" if not expanded.is_complete else ""
            self.problem(
                here,
                f"cannot tell which project {excerpt(written_url)} is{unexpanded}; add "
                "'#egg=name' or write 'name @ URL'",
            )
            return None
        extras = frozenset(
            canonicalize_name(e.strip())
            for e in [*extras_text.strip("[]").split(","), *guess.extras]
            if e.strip()
        )
        if guess.is_bad_egg:
            self.problem(
                here,
                f"the #egg= fragment {excerpt(guess.egg or '')} is not a plain project name and "
                "pip rejects it; write 'name @ URL' instead",
            )
        scheme = url_scheme(url)
        if editable:
            kind = DependencyKind.EDITABLE
            if is_url(url) and not (is_vcs_scheme(scheme) or scheme == "file"):
                self.problem(
                    here,
                    f"{excerpt(written_url)} is not a valid editable requirement: use a local "
                    "path or a VCS URL (git+https://...)",
                )
            elif is_vcs_scheme(scheme) and guess.egg is None:
                self.problem(
                    here,
                    f"pip cannot tell the project name of {excerpt(written_url)}; "
                    "write '-e name @ URL' or add '#egg=name'",
                )
        elif is_url(url):
            kind = url_kind(url)
        else:
            kind = DependencyKind.PATH
        return Dependency(
            name=canonicalize_name(guess.name),
            display_name=guess.name,
            kind=kind,
            location=here.location,
            version=guess.version,
            extras=extras,
            marker=marker,
            url=without_userinfo(written_url),
        )

    def _editable(self, here: _Here, written: str) -> Dependency | None:
        """An ``-e`` requirement: ``name @ URL``, a VCS URL, or a local path (with extras)."""
        try:
            requirement: Requirement | None = Requirement(written)
        except (ValueError, RecursionError):
            requirement = None
        if requirement is not None and requirement.url is not None:
            dependency = self._from_requirement(requirement, None, here.location)
            return replace(dependency, kind=DependencyKind.EDITABLE)
        extras_text = ""
        extras_found = split_extras(written)
        if extras_found is not None and not is_url(
            as_editable_url(self.variables.expand(written).text)
        ):
            extras_text = extras_found[1]
        return self._direct(here, written, None, extras_text, editable=True)

    def _include_line(self, here: _Here, options: Sequence[Option], stack: Stack) -> None:
        """Follow the first ``-r`` (else the first ``-c``) of a line, as pip does."""
        includes = sorted(
            (o for o in options if o.name in INCLUDES), key=lambda o: o.name != "requirement"
        )
        chosen = includes[0]
        for option in options:
            if option.name in ANYWHERE:
                self._keep(here, option)
            elif option is not chosen:
                self.problem(
                    here,
                    f"pip ignores {option.spelling} on a line that includes another file; "
                    "put it on a line of its own",
                )
        shown = f"{chosen.spelling} {excerpt(chosen.value or '')}"
        is_constraint = chosen.name == "constraint"
        opened = open_include(
            shown,
            self.variables.expand(chosen.value or ""),
            stack=stack,
            line=here.line,
            is_constraint=is_constraint,
            seen=self._seen,
            root=self.root,
        )
        if isinstance(opened, str):
            self.problem(here, opened)
        elif opened is not None:
            if opened.path not in self.includes:
                self.includes.append(opened.path)
            self.read_file(opened.path, opened.text, constraint=is_constraint, stack=opened.stack)
