"""The three forms of the organisation report: escaping, structure, the JSON shape, size caps."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from cg_action._org._text import markdown_code, percent
from tests.org.conftest import (
    HOSTILE_MESSAGE,
    HOSTILE_PACKAGE,
    HOSTILE_PATH,
    HOSTILE_REPOSITORY,
    HOSTILE_REPOSITORY_2,
    OrgFixture,
    run_cli,
)

HOSTILE = (HOSTILE_REPOSITORY, HOSTILE_REPOSITORY_2, HOSTILE_PACKAGE, HOSTILE_MESSAGE)


def render(org: OrgFixture, fmt: str) -> str:
    code, out, err = run_cli("report", *org.paths, "--format", fmt)
    assert code == 0, err
    return out


class _Elements(HTMLParser):
    """Every start tag and its attributes, and the text of <title> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> _Elements:
    parser = _Elements()
    parser.feed(page)
    parser.close()
    return parser


def test_html_escapes_every_repository_string(org: OrgFixture) -> None:
    page = render(org, "html")
    elements = parse(page)
    tags = {tag for tag, _ in elements.tags}
    # nothing a repository wrote became an element or an attribute
    assert not tags & {"img", "script", "b", "iframe", "object", "embed", "link", "a", "form"}
    assert not [
        (tag, name) for tag, attrs in elements.tags for name in attrs if name.startswith("on")
    ]
    # ... and each shows as text, as written
    text = "".join(elements.text)
    for hostile in (*HOSTILE, HOSTILE_PATH):
        assert hostile in text, hostile
    assert html.escape(HOSTILE_REPOSITORY) in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<img" not in page
    assert "<svg onload" not in page


def test_html_is_self_contained_with_no_script(org: OrgFixture) -> None:
    page = render(org, "html")
    elements = parse(page)
    assert page.startswith("<!DOCTYPE html>\n")
    for tag, attrs in elements.tags:
        for name, value in attrs.items():
            assert name not in ("src", "href", "srcset", "action"), (tag, name, value)
            if value and "://" in value:
                assert value == "http://www.w3.org/2000/svg", (tag, name, value)
    (policy,) = [
        attrs["content"]
        for tag, attrs in elements.tags
        if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy"
    ]
    assert policy is not None
    assert "default-src 'none'" in policy
    assert "script-src" not in policy  # falls back to default-src 'none'
    assert "unsafe-inline" not in policy
    assert "<script" not in page.lower()


def test_html_is_accessible(org: OrgFixture) -> None:
    page = render(org, "html")
    elements = parse(page)
    svgs = [attrs for tag, attrs in elements.tags if tag == "svg"]
    assert len(svgs) == 1
    assert svgs[0]["role"] == "img"
    assert svgs[0]["aria-labelledby"] == "chart-title chart-desc"
    assert '<title id="chart-title">Chainguard coverage per repository</title>' in page
    assert 'id="chart-desc"' in page
    # a text label and a value on every bar, a header cell per row and per column
    labels = [a for t, a in elements.tags if t == "text" and a.get("class") == "label"]
    values = [a for t, a in elements.tags if t == "text" and a.get("class") == "value"]
    assert len(labels) == len(values) == 50
    bars = [a for t, a in elements.tags if t == "rect" and "bar" in (a.get("class") or "")]
    assert len(bars) == 50
    row_headers = [a for t, a in elements.tags if t == "th" and a.get("scope") == "row"]
    assert len(row_headers) == 50 + 6  # the repositories, then the ranked packages
    assert page.count("<caption>") == 2
    assert 'lang="en"' in page


def test_html_bars_have_the_coverage_as_width(org: OrgFixture) -> None:
    page = render(org, "html")
    rows = re.findall(
        r'<g class="row"[^>]*><title>([^<]*)</title>.*?'
        r'<rect class="bar [a-z]+" x="280" y="2" width="([0-9.]+)"',
        page,
    )
    assert len(rows) == 50
    widths = {html.unescape(title).rsplit(": ", 1)[0]: float(w) for title, w in rows}
    for repository in org.repositories:
        assert widths[repository.name] == round(500 * float(repository.coverage), 2)
    assert list(widths.values()) == sorted(widths.values())  # least covered first


def test_markdown_puts_repository_text_in_code(org: OrgFixture) -> None:
    text = render(org, "markdown")
    assert text.startswith("## Chainguard coverage across 50 repositories: ")
    assert f"| {markdown_code(HOSTILE_REPOSITORY)} | " in text
    assert "| 1 | `gamma` | 37 | 37 | 0 | `0.3.0` (37) |" in text
    assert "| 3 | `kappa` | 12 | 0 | 12 | `1.0` (12) |" in text
    assert f"| 6 | {markdown_code(HOSTILE_PACKAGE)} | 1 | 0 | 1 |" in text
    # outside code spans there is no HTML, link or image
    outside = re.sub(r"(`+)(.+?)\1", "", text)
    assert "<" not in outside
    assert "](" not in outside
    assert f"`{HOSTILE_MESSAGE}`" in text
    assert "### Files the checks could not read" in text


def test_markdown_code_spans_hold_any_text() -> None:
    assert markdown_code("a|b") == "`a\\|b`"
    assert markdown_code("a`b") == "``a`b``"
    assert markdown_code("`x`") == "`` `x` ``"
    assert markdown_code("line\nbreak\u202e") == "`line break\\u202e`"
    assert markdown_code("") == "` `"
    assert markdown_code("x" * 300, limit=10) == "`" + "x" * 9 + "…`"


def test_percent_never_rounds_to_full_or_empty() -> None:
    assert percent(99.96) == "99.9%"
    assert percent(100.0) == "100.0%"
    assert percent(0.01) == "0.1%"
    assert percent(0.0) == "0.0%"
    assert percent(None) == "n/a"


def _big_report(path: Path, packages: int, *, name_length: int) -> None:
    results = [
        {
            "name": f"p{number:06d}" + "x" * name_length,
            "version": "1.0",
            "file": "requirements.txt",
            "line": number + 1,
            "status": "missing",
        }
        for number in range(packages)
    ]
    path.write_text(
        json.dumps({"schema_version": 1, "kind": "check", "files": [], "results": results})
    )


def test_markdown_stays_under_the_summary_cap(tmp_path: Path) -> None:
    """10,000 missing packages with long names: about 2 MB of rows, cut to under 1 MiB."""
    path = tmp_path / "big.json"
    _big_report(path, 10_000, name_length=250)
    code, out, err = run_cli("report", str(path), "--format", "markdown")
    assert code == 0, err
    size = len(out.encode("utf-8"))
    assert 900_000 < size <= 1_000_000  # under GitHub's 1 MiB, and not cut needlessly
    shown = len(re.findall(r"^\| \d+ \| `p\d{6}", out, flags=re.MULTILINE))
    assert 0 < shown < 10_000
    assert f"> The first {shown:,} of 10,000 packages are shown" in out
    assert out.endswith("\n")
    # the HTML and JSON forms keep them (JSON all, HTML the first thousand with a note)
    code, out, err = run_cli("report", str(path), "--format", "json")
    assert len(json.loads(out)["packages"]) == 10_000
    code, out, err = run_cli("report", str(path), "--format", "html")
    assert out.count('<tr><td class="n">1</td>') == 1_000
    assert "The first 1,000 of 10,000 packages are shown" in out


def test_markdown_small_ranking_is_not_cut(org: OrgFixture) -> None:
    assert "are shown" not in render(org, "markdown")


def test_markdown_cuts_the_repository_table_when_it_alone_is_too_large(tmp_path: Path) -> None:
    from cg_action._org._load import NameFrom, read_reports
    from cg_action._org._markdown import render_org_markdown
    from cg_action._org._merge import merge

    paths = []
    for number in range(40):
        path = tmp_path / (f"r{number:03d}-" + "n" * 150 + ".json")
        _big_report(path, 1, name_length=1)
        paths.append(path)
    merged = merge(read_reports(paths, name_from=NameFrom.PATH))
    text = render_org_markdown(merged, limit=6_000)
    assert len(text.encode("utf-8")) <= 6_000
    shown = len(re.findall(r"^\| `r\d{3}-n", text, flags=re.MULTILINE))
    assert 0 < shown < 40
    assert f"> {40 - shown} more repositories are not shown" in text
    assert "| 1 | `p000000x` | 40 | 0 | 40 | `1.0` (40) |" in text  # the ranking still fits


JSON_KEYS = {"schema_version", "tool", "kind", "summary", "repositories", "packages"}
SUMMARY_KEYS = {
    "repositories",
    "fully_covered",
    "dependencies",
    "checked",
    "coverage_percent",
    "counts",
    "input_errors",
    "packages",
}
REPOSITORY_KEYS = {
    "name",
    "report",
    "coverage_percent",
    "dependencies",
    "checked",
    "counts",
    "input_errors",
    "errors",
}
PACKAGE_KEYS = {
    "rank",
    "name",
    "repositories",
    "fallback",
    "missing",
    "versions",
    "repository_names",
}
STATUSES = [
    "chainguard",
    "fallback",
    "locked-upstream",
    "blocked",
    "missing",
    "not-indexed",
    "unknown",
]


def test_json_shape(org: OrgFixture) -> None:
    document: dict[str, Any] = json.loads(render(org, "json"))
    assert set(document) == JSON_KEYS
    assert (document["schema_version"], document["kind"]) == (1, "org-report")
    assert document["tool"]["name"] == "cg-action"
    assert set(document["summary"]) == SUMMARY_KEYS
    assert list(document["summary"]["counts"]) == STATUSES
    for row in document["repositories"]:
        assert set(row) == REPOSITORY_KEYS
        assert list(row["counts"]) == STATUSES
        assert isinstance(row["coverage_percent"], float)
        assert sum(row["counts"].values()) == row["dependencies"]
        for error in row["errors"]:
            assert set(error) == {"file", "line", "key", "message"}
    for package in document["packages"]:
        assert set(package) == PACKAGE_KEYS
        assert len(package["repository_names"]) == package["repositories"]
        assert sum(v["repositories"] for v in package["versions"]) >= package["repositories"]
        for version in package["versions"]:
            assert set(version) == {"version", "repositories"}


def test_json_shape_is_documented() -> None:
    """Every key the JSON form writes is named in docs/org-report.md."""
    doc = Path(__file__).resolve().parents[2] / "docs" / "org-report.md"
    text = doc.read_text(encoding="utf-8")
    for key in JSON_KEYS | SUMMARY_KEYS | REPOSITORY_KEYS | PACKAGE_KEYS:
        assert f"`{key}`" in text, key


def test_nothing_checked_and_nothing_needed(tmp_path: Path) -> None:
    path = tmp_path / "urls-only.json"
    path.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "kind": "check",
                "files": [],
                "results": [
                    {"name": "x", "version": None, "file": "r.txt", "status": "not-indexed"}
                ],
            }
        )
    )
    for fmt, expected in (
        ("html", "No dependency was checked against an index."),
        ("markdown", "No package is `fallback` or `missing` in any repository."),
    ):
        code, out, err = run_cli("report", str(path), "--format", fmt)
        assert code == 0, err
        assert expected in out
        assert "nothing checked" in out
    code, out, _ = run_cli("report", str(path), "--format", "json")
    assert json.loads(out)["repositories"][0]["coverage_percent"] is None
