"""Reading ``check --format json`` reports as hostile input, for the organisation view.

A report comes from another repository's job: anything in it may be wrong or made to harm.
Every value used is checked by a small typed getter that names the key path of what is
wrong (``results[12].status: unknown status 'x'``); all the problems of a file are collected
(up to ``MAX_PROBLEMS_PER_FILE``) and every file is read before one ``UnreadableReports`` names
them all. Sizes are bounded: the file, the number of results and files, the length of
every string kept. Only what the organisation view shows is kept: the repository's name,
each result's package, version, status and place, and the files that could not be read.

The repository's name is the report's ``repository`` field when it has one (a report
``check`` writes has none; a workflow may add it), else the report file's name without
``.json``; ``NameFrom`` chooses.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from cg_action._compat import StrEnum, assert_never
from cg_action._errors import InputError, ParseError, Problem, UsageError
from cg_action._models import Status
from cg_action._org._text import visible

SCHEMA_VERSION = 1
REPOSITORY_FIELD = "repository"

MAX_REPORTS = 10_000
MAX_REPORT_BYTES = 64 * 1024 * 1024
MAX_RESULTS = 250_000  # per report
MAX_FILES = 50_000  # entries of "files" per report
MAX_NAME = 300  # characters of a repository name, a package name or a version
MAX_PATH = 4_096
MAX_MESSAGE = 10_000
MAX_PROBLEMS_PER_FILE = 20
MAX_PROBLEMS_SHOWN = 200  # over all the reports
KEPT_ERRORS = 100  # input errors kept per repository (all are counted)


class NameFrom(StrEnum):
    """Where a repository's name comes from."""

    AUTO = "auto"  # the "repository" field when the report has one, else the file name
    FIELD = "field"  # the "repository" field; a report without one is an input error
    PATH = "path"  # the report file's name without ".json", whatever the report says


@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    """One dependency's verdict in one repository."""

    name: NormalizedName
    version: Version | None
    status: Status
    file: str
    line: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FileError:
    """A place in a repository's dependency file that its check could not read."""

    file: str
    line: int | None
    key: str | None
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RepositoryReport:
    """What the organisation view keeps of one repository's report."""

    name: str
    source: Path  # the report file, as given
    results: tuple[Result, ...]
    errors: tuple[FileError, ...]  # the first KEPT_ERRORS
    error_count: int


class UnreadableReports(InputError):
    """Reports that could not be read, each problem with its file and key path (exit 2)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        shown = [str(p) for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        if len(self.problems) > MAX_PROBLEMS_SHOWN:
            shown.append(f"and {len(self.problems) - MAX_PROBLEMS_SHOWN:,} more problem(s)")
        super().__init__("\n".join(shown))

    hint = "give the reports `check --format json` writes (see docs/org-report.md)"


class _Invalid(Exception):
    """One wrong value, at a key path."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


def _type_name(value: object) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case str():
            return "a string"
        case list():
            return "a list"
        case dict():
            return "an object"
        case _:  # pragma: no cover - json.loads makes nothing else
            return type(value).__name__


def _object(value: object, key: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise _Invalid(key, f"expected an object, found {_type_name(value)}")
    return value


def _field(document: dict[str, object], name: str, where: str) -> object:
    if name not in document:
        raise _Invalid(f"{where}{name}", "missing")
    return document[name]


def _array(value: object, key: str, *, limit: int) -> list[object]:
    if not isinstance(value, list):
        raise _Invalid(key, f"expected a list, found {_type_name(value)}")
    if len(value) > limit:
        raise _Invalid(key, f"{len(value):,} entries; at most {limit:,} are read")
    return value


def _string(value: object, key: str, *, limit: int, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise _Invalid(key, f"expected a string, found {_type_name(value)}")
    if not empty and not value.strip():
        raise _Invalid(key, "empty")
    if len(value) > limit:
        raise _Invalid(key, f"{len(value):,} characters; at most {limit:,}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" is valid JSON): shown as "?"
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def _optional_string(value: object, key: str, *, limit: int) -> str | None:
    return None if value is None else _string(value, key, limit=limit, empty=True)


def _line(value: object, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(key, f"expected a line number or null, found {_type_name(value)}")
    if value < 0 or value > 100_000_000:
        raise _Invalid(key, f"{value} is not a line number")
    return value


def _status(value: object, key: str) -> Status:
    text = _string(value, key, limit=MAX_NAME)
    try:
        return Status(text)
    except ValueError:
        known = ", ".join(s.value for s in Status)
        raise _Invalid(key, f"unknown status '{visible(text, limit=40)}'; one of {known}") from None


def _version(value: object, key: str) -> Version | None:
    text = _optional_string(value, key, limit=MAX_NAME)
    if text is None:
        return None
    try:
        return Version(text)
    except InvalidVersion:
        raise _Invalid(key, f"'{visible(text, limit=40)}' is not a version") from None


class _FileReader:
    """The problems of one report file, collected while its values are read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.more = 0

    def add(self, problem: _Invalid, line: int | None = None) -> None:
        if len(self.problems) < MAX_PROBLEMS_PER_FILE:
            self.problems.append(
                Problem(path=self.path, line=line, key=problem.key, message=problem.message)
            )
        else:
            self.more += 1

    def finish(self) -> list[Problem]:
        if self.more:
            self.problems.append(
                Problem(
                    path=self.path,
                    line=None,
                    message=f"and {self.more:,} more problem(s) in this report",
                )
            )
        return self.problems


def _parse_json(path: Path, reader: _FileReader) -> object:
    """The file's JSON value; on failure a problem is recorded and None returned."""

    def refuse_constant(word: str) -> object:
        raise ValueError(f"{word} is not a JSON number")

    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_REPORT_BYTES + 1)
    except OSError as exc:
        reader.add(_Invalid("", f"cannot read the report: {exc.strerror or exc}"))
        return None
    if len(data) > MAX_REPORT_BYTES:
        limit = MAX_REPORT_BYTES // (1024 * 1024)
        reader.add(_Invalid("", f"larger than {limit} MiB; a report of one repository is smaller"))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        reader.add(_Invalid("", f"not UTF-8 (byte {exc.start:,}); give a JSON report"))
        return None
    try:
        return json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError as exc:
        reader.add(_Invalid("", f"not JSON: {exc.msg} (column {exc.colno})"), line=exc.lineno)
    except RecursionError:
        reader.add(_Invalid("", "not a report: values nested too deeply"))
    except ValueError as exc:  # NaN, Infinity, an integer of thousands of digits
        reader.add(_Invalid("", f"not JSON: {visible(str(exc), limit=200)}"))
    return None


def _repository_name(
    document: dict[str, object], path: Path, name_from: NameFrom
) -> tuple[str, bool]:
    """The repository's name, and whether it came from the report's field."""
    match name_from:
        case NameFrom.PATH:
            return _stem(path), False
        case NameFrom.AUTO:
            if document.get(REPOSITORY_FIELD) is None:
                return _stem(path), False
        case NameFrom.FIELD:
            if document.get(REPOSITORY_FIELD) is None:
                raise _Invalid(
                    REPOSITORY_FIELD,
                    "missing: this report does not say which repository it is for "
                    "(use --name-from path to name it by its file)",
                )
        case _:  # pragma: no cover - exhaustive
            assert_never(name_from)
    name = _string(document[REPOSITORY_FIELD], REPOSITORY_FIELD, limit=MAX_NAME)
    return name.strip(), True


def _stem(path: Path) -> str:
    name = path.name
    return name[: -len(".json")] if name.lower().endswith(".json") and name != ".json" else name


def _results(document: dict[str, object], reader: _FileReader) -> list[Result]:
    entries = _array(_field(document, "results", ""), "results", limit=MAX_RESULTS)
    results: list[Result] = []
    for number, raw in enumerate(entries):
        where = f"results[{number}]"
        try:
            entry = _object(raw, where)
            name = _string(_field(entry, "name", f"{where}."), f"{where}.name", limit=MAX_NAME)
            results.append(
                Result(
                    name=canonicalize_name(name),
                    version=_version(_field(entry, "version", f"{where}."), f"{where}.version"),
                    status=_status(_field(entry, "status", f"{where}."), f"{where}.status"),
                    file=_string(
                        _field(entry, "file", f"{where}."), f"{where}.file", limit=MAX_PATH
                    ),
                    line=_line(entry.get("line"), f"{where}.line"),
                )
            )
        except _Invalid as problem:
            reader.add(problem)
    return results


def _file_errors(document: dict[str, object], reader: _FileReader) -> tuple[list[FileError], int]:
    files = _array(_field(document, "files", ""), "files", limit=MAX_FILES)
    kept: list[FileError] = []
    count = 0
    for number, raw in enumerate(files):
        where = f"files[{number}]"
        try:
            entry = _object(raw, where)
            path = _string(_field(entry, "path", f"{where}."), f"{where}.path", limit=MAX_PATH)
            errors = _array(entry.get("errors", []), f"{where}.errors", limit=MAX_RESULTS)
            for index, raw_error in enumerate(errors):
                at = f"{where}.errors[{index}]"
                error = _object(raw_error, at)
                found = FileError(
                    file=path,
                    line=_line(error.get("line"), f"{at}.line"),
                    key=_optional_string(error.get("key"), f"{at}.key", limit=MAX_PATH),
                    message=_string(
                        _field(error, "message", f"{at}."), f"{at}.message", limit=MAX_MESSAGE
                    ),
                )
                count += 1
                if len(kept) < KEPT_ERRORS:
                    kept.append(found)
        except _Invalid as problem:
            reader.add(problem)
    return kept, count


def _header(document: dict[str, object]) -> None:
    version = _field(document, "schema_version", "")
    if isinstance(version, bool) or not isinstance(version, int):
        raise _Invalid("schema_version", f"expected a number, found {_type_name(version)}")
    if version != SCHEMA_VERSION:
        raise _Invalid(
            "schema_version",
            f"{version} is not supported; this cg-action reads schema_version {SCHEMA_VERSION} "
            "(use the cg-action that wrote the reports)",
        )
    kind = _string(_field(document, "kind", ""), "kind", limit=MAX_NAME)
    if kind != "check":
        raise _Invalid(
            "kind",
            f"'{visible(kind, limit=40)}': not a check report; give the reports of "
            "`check --format json`",
        )


def read_report(path: Path, *, name_from: NameFrom) -> RepositoryReport:
    """One report file; ``ParseError`` names every problem found in it (at most 20, counted)."""
    reader = _FileReader(path)
    value = _parse_json(path, reader)
    report: RepositoryReport | None = None
    if value is not None or not reader.problems:
        try:
            document = _object(value, "(the document)")
            _header(document)
        except _Invalid as problem:
            reader.add(problem)
        else:
            name = ""
            try:
                name, _ = _repository_name(document, path, name_from)
            except _Invalid as problem:
                reader.add(problem)
            results: list[Result] = []
            errors: list[FileError] = []
            count = 0
            try:
                results = _results(document, reader)
            except _Invalid as problem:
                reader.add(problem)
            try:
                errors, count = _file_errors(document, reader)
            except _Invalid as problem:
                reader.add(problem)
            report = RepositoryReport(
                name=name,
                source=path,
                results=tuple(results),
                errors=tuple(errors),
                error_count=count,
            )
    problems = reader.finish()
    if problems or report is None:
        raise ParseError(problems)
    return report


def read_reports(paths: Sequence[Path], *, name_from: NameFrom) -> list[RepositoryReport]:
    """Every report, named; every file is read before the problems of all are raised.

    Two reports that name the same repository are an input error too: the second names the
    first.
    """
    if len(paths) > MAX_REPORTS:
        raise UsageError(
            f"{len(paths):,} reports; at most {MAX_REPORTS:,} are merged into one page"
        )
    problems: list[Problem] = []
    reports: list[RepositoryReport] = []
    seen: dict[str, Path] = {}
    for path in paths:
        try:
            report = read_report(path, name_from=name_from)
        except ParseError as exc:
            problems.extend(exc.problems)
            continue
        first = seen.get(report.name)
        if first is not None:
            problems.append(
                Problem(
                    path=path,
                    line=None,
                    message=(
                        f"the repository '{visible(report.name, limit=80)}' is also the one of "
                        f"{visible(str(first), limit=200)}; give each repository's report once"
                    ),
                )
            )
            continue
        seen[report.name] = path
        reports.append(report)
    if problems:
        raise UnreadableReports(problems)
    return reports


__all__ = [
    "KEPT_ERRORS",
    "MAX_REPORT_BYTES",
    "FileError",
    "NameFrom",
    "RepositoryReport",
    "Result",
    "UnreadableReports",
    "read_report",
    "read_reports",
]
