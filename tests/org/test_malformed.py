"""Malformed and hostile reports: exit 2 naming the file and the key path, never a traceback."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cg_action._org import _load
from tests.org.conftest import OrgFixture, run_cli

Document = dict[str, Any]


def good() -> Document:
    return {
        "schema_version": 1,
        "kind": "check",
        "repository": "acme/api",
        "files": [{"path": "requirements.txt", "errors": []}],
        "results": [
            {"name": "alpha", "version": "1.0", "file": "requirements.txt", "line": 1,
             "status": "chainguard"},
            {"name": "beta", "version": None, "file": "requirements.txt", "line": 2,
             "status": "missing"},
        ],
    }  # fmt: skip


def _set(path: str, value: object) -> Callable[[Document], None]:
    """Set the value at ``a.b[1].c`` (``...`` deletes it)."""

    def change(document: Document) -> None:
        keys: list[str | int] = [
            int(part) if part.isdigit() else part
            for part in path.replace("[", ".").replace("]", "").split(".")
        ]
        target: Any = document
        for key in keys[:-1]:
            target = target[key]
        if value is ...:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value

    return change


CASES: list[tuple[str, Callable[[Document], None], str]] = [
    ("schema", _set("schema_version", 2), "schema_version: 2 is not supported"),
    ("schema-text", _set("schema_version", "1"), "schema_version: expected a number, found a "
     "string"),
    ("schema-bool", _set("schema_version", True), "schema_version: expected a number, found a "
     "boolean"),
    ("no-schema", _set("schema_version", ...), "schema_version: missing"),
    ("list-report", _set("kind", "list"), "kind: 'list': not a check report"),
    ("no-results", _set("results", ...), "results: missing"),
    ("results-object", _set("results", {}), "results: expected a list, found an object"),
    ("result-text", _set("results[1]", "beta"), "results[1]: expected an object, found a string"),
    ("name-number", _set("results[0].name", 3), "results[0].name: expected a string, found a "
     "number"),
    ("name-empty", _set("results[0].name", " "), "results[0].name: empty"),
    ("name-long", _set("results[0].name", "a" * 301), "results[0].name: 301 characters; at most "
     "300"),
    ("no-status", _set("results[1].status", ...), "results[1].status: missing"),
    ("status", _set("results[1].status", "ok"), "results[1].status: unknown status 'ok'"),
    ("version", _set("results[0].version", "not a version"), "results[0].version: 'not a "
     "version' is not a version"),
    ("version-list", _set("results[0].version", ["1"]), "results[0].version: expected a "
     "string, found a list"),
    ("line", _set("results[0].line", "7"), "results[0].line: expected a line number or null"),
    ("line-negative", _set("results[0].line", -1), "results[0].line: -1 is not a line number"),
    ("file", _set("results[0].file", None), "results[0].file: expected a string, found null"),
    ("repository", _set("repository", 5), "repository: expected a string, found a number"),
    ("repository-empty", _set("repository", ""), "repository: empty"),
    ("files", _set("files", None), "files: expected a list, found null"),
    ("file-path", _set("files[0].path", ...), "files[0].path: missing"),
    ("errors", _set("files[0].errors", [{"line": 1}]), "files[0].errors[0].message: missing"),
    ("errors-type", _set("files[0].errors", "x"), "files[0].errors: expected a list"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_report_names_file_and_key(
    tmp_path: Path, change: Callable[[Document], None], expected: str
) -> None:
    document = good()
    change(document)
    path = tmp_path / "acme__api.json"
    path.write_text(json.dumps(document))
    for fmt in ("html", "markdown", "json"):
        code, out, err = run_cli("report", str(path), "--format", fmt)
        assert code == 2
        assert out == ""
        assert f"cg-action: error: {path}: {expected}" in err, err
        assert "Traceback" not in err
        assert "does not handle" not in err


RAW: list[tuple[str, bytes, str]] = [
    (
        "not-json",
        b'{"schema_version": 1,\n  "kind": }',
        ":2: not JSON: Expecting value (column 11)",
    ),
    ("empty", b"", ":1: not JSON: Expecting value (column 1)"),
    ("not-utf8", b'{"kind": "\xff"}', ": not UTF-8 (byte 10)"),
    ("nan", b'{"schema_version": NaN}', ": not JSON: NaN is not a JSON number"),
    ("array", b"[1, 2]", ": (the document): expected an object, found a list"),
    ("null", b"null", ": (the document): expected an object, found null"),
    ("deep", b"[" * 100_000 + b"]" * 100_000, ": not a report: values nested too deeply"),
    ("long-int", b'{"schema_version": ' + b"9" * 5000 + b"}", ": not JSON: "),
]


@pytest.mark.parametrize(("data", "expected"), [r[1:] for r in RAW], ids=[r[0] for r in RAW])
def test_unparsable_report(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(data)
    code, out, err = run_cli("report", str(path))
    assert code == 2
    assert out == ""
    assert f"cg-action: error: {path}{expected}" in err, err
    assert "Traceback" not in err


def test_a_lone_surrogate_is_shown_not_crashed_on(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    document = good()
    document["repository"] = "acme/\ud800api"
    path.write_text(json.dumps(document))  # ASCII JSON: "\ud800" escaped, as JSON allows
    code, out, err = run_cli("report", str(path), "--format", "html")
    assert code == 0, err
    assert "acme/?api" in out


def test_missing_and_folder_and_every_file_named(tmp_path: Path, org: OrgFixture) -> None:
    bad = tmp_path / "bad.json"
    document = good()
    document["results"][0]["status"] = "nope"
    document["results"][1]["name"] = None
    bad.write_text(json.dumps(document))
    absent = tmp_path / "absent.json"
    code, out, err = run_cli("report", org.paths[0], str(absent), str(tmp_path), str(bad))
    assert code == 2
    assert out == ""
    assert f"{absent}: cannot read the report: No such file or directory" in err
    assert f"{tmp_path}: cannot read the report: Is a directory" in err
    assert f"{bad}: results[0].status: unknown status 'nope'" in err
    assert f"{bad}: results[1].name: expected a string, found null" in err
    assert org.paths[0] not in err


def test_output_is_not_written_when_a_report_is_bad(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    target = tmp_path / "org.html"
    code, _, err = run_cli("report", str(bad), "--format", "html", "--output", str(target))
    assert code == 2
    assert f"{bad}: schema_version: missing" in err
    assert not target.exists()


def test_problems_are_bounded(tmp_path: Path) -> None:
    document = good()
    document["results"] = [{"name": n} for n in range(1_000)]
    paths = []
    for number in range(12):
        path = tmp_path / f"r{number:02d}.json"
        path.write_text(json.dumps(document))
        paths.append(str(path))
    code, _, err = run_cli("report", *paths)
    assert code == 2
    # 20 problems per report and a count of the rest; 200 lines over all and a count
    assert f"{paths[0]}: and 980 more problem(s) in this report" in err
    assert err.count("expected a string, found a number") == 200 - 9
    assert "and 52 more problem(s)" in err  # 12 * 21 - 200
    assert len(err) < 40_000


def test_sizes_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(good()))
    monkeypatch.setattr(_load, "MAX_REPORT_BYTES", 100)
    code, _, err = run_cli("report", str(path))
    assert code == 2
    assert f"{path}: larger than 0 MiB" in err
    monkeypatch.setattr(_load, "MAX_REPORT_BYTES", 64 * 1024 * 1024)
    monkeypatch.setattr(_load, "MAX_RESULTS", 1)
    code, _, err = run_cli("report", str(path))
    assert code == 2
    assert f"{path}: results: 2 entries; at most 1 are read" in err
    monkeypatch.setattr(_load, "MAX_REPORTS", 1)
    code, _, err = run_cli("report", str(path), str(path))
    assert code == 2
    assert "2 reports; at most 1 are merged" in err


def test_control_characters_are_escaped_in_messages(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    document = good()
    document["results"][0]["status"] = "\x1b[31mred\u202e"
    path.write_text(json.dumps(document))
    code, _, err = run_cli("report", str(path))
    assert code == 2
    assert "\x1b" not in err
    assert "\u202e" not in err
    assert "unknown status '\\x1b[31mred\\u202e'" in err


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
_PLACES = (
    "",
    "schema_version",
    "kind",
    "repository",
    "files",
    "files[0]",
    "files[0].path",
    "files[0].errors",
    "results",
    "results[0]",
    "results[0].name",
    "results[0].version",
    "results[0].status",
    "results[0].file",
    "results[0].line",
    "results[1]",
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(place=st.sampled_from(_PLACES), value=_JSON)
def test_any_value_anywhere_is_read_or_refused(tmp_path: Path, place: str, value: object) -> None:
    document: Any = copy.deepcopy(good())
    if place:
        _set(place, value)(document)
    else:
        document = value
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(document))
    code, out, err = run_cli("report", str(path), "--format", "html")
    assert code in (0, 2), err
    assert "does not handle" not in err
    assert "Traceback" not in err
    if code == 2:
        assert f"cg-action: error: {path}" in err
        assert out == ""
    else:
        assert out.startswith("<!DOCTYPE html>")
