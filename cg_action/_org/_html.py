"""The organisation report as one self-contained HTML page: no script, no request.

The page holds its style and its chart (inline SVG: one horizontal bar per repository with
a text label, a ``<title>`` and a ``<desc>``), a table of statuses per repository and the
ranking of packages to ask Chainguard to build. Every string a repository wrote goes
through ``_text.html_text``; a Content-Security-Policy that allows no script, no request
and only the page's own style element holds should anything slip through. Sizes are
bounded: the chart draws ``CHART_LIMIT`` bars, the ranking ``RANKING_LIMIT`` rows (the JSON
form has all).
"""

from __future__ import annotations

import base64
import hashlib

from cg_action import __version__
from cg_action._models import Status
from cg_action._org._merge import OrgReport, PackageNeed, RepositoryCoverage
from cg_action._org._text import html_text, percent

CHART_LIMIT = 1_000
RANKING_LIMIT = 1_000
VERSIONS_SHOWN = 20
REPOSITORIES_SHOWN = 20
PROBLEMS_SHOWN = 500
LABEL_CHARACTERS = 36

# The chart's geometry, in SVG user units.
_LABEL_WIDTH = 270
_TRACK_X = 280
_TRACK_WIDTH = 500
_VALUE_X = _TRACK_X + _TRACK_WIDTH + 10
_CHART_WIDTH = _VALUE_X + 190
_ROW = 24
_BAR = 16
_TOP = 28

_STYLE = """
:root { color-scheme: light; --ok: #1a7f37; --mid: #9a6700; --low: #cf222e; --ink: #1f2328;
  --muted: #59636e; --line: #d1d9e0; --track: #eef1f4; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: #fff; }
main { max-width: 1200px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 32px 0 8px; border-bottom: 1px solid var(--line); }
p.lead { font-size: 1.1rem; margin: 4px 0 16px; }
.muted, caption { color: var(--muted); }
figure { margin: 0; overflow-x: auto; }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; fill: var(--ink); }
svg .axis { fill: var(--muted); }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .track { fill: var(--track); }
svg .bar.ok { fill: var(--ok); }
svg .bar.mid { fill: var(--mid); }
svg .bar.low { fill: var(--low); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
caption { text-align: left; padding: 4px 0; caption-side: top; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; position: sticky; top: 0; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
thead code { overflow-wrap: normal; }
tbody tr:nth-child(even) { background: #fafbfc; }
tbody th { font-weight: 600; }
code { font: 0.85rem ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  overflow-wrap: anywhere; }
ul.problems { padding-left: 20px; }
footer { margin-top: 32px; color: var(--muted); font-size: 0.85rem; }
"""


# No script, no request, no form; the one style element below by its digest (so not even a
# style attribute an escaping slip let through applies).
_STYLE_DIGEST = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_DIGEST}'; img-src 'none'; "
    "form-action 'none'; base-uri 'none'"
)


def _grade(value: float) -> str:
    if value >= 90.0:
        return "ok"
    return "mid" if value >= 50.0 else "low"


def _coverage_words(repository: RepositoryCoverage) -> str:
    if repository.coverage_percent is None:
        return "nothing checked"
    chainguard = repository.counts[Status.CHAINGUARD]
    return f"{percent(repository.coverage_percent)} ({chainguard:,} of {repository.checked:,})"


def _chart(report: OrgReport) -> list[str]:
    drawn = report.repositories[:CHART_LIMIT]
    height = _TOP + _ROW * len(drawn) + 8
    count = len(report.repositories)
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{_CHART_WIDTH}" '
        f'height="{height}" viewBox="0 0 {_CHART_WIDTH} {height}" '
        'aria-labelledby="chart-title chart-desc" id="coverage-chart">',
        '<title id="chart-title">Chainguard coverage per repository</title>',
        f'<desc id="chart-desc">One horizontal bar per repository ({len(drawn):,} of '
        f"{count:,}), least covered first: the share of its checked dependencies that "
        "Chainguard serves, from 0 to 100 percent.</desc>",
    ]
    for tick in (0, 25, 50, 75, 100):
        x = _TRACK_X + _TRACK_WIDTH * tick / 100
        lines.append(
            f'<line class="grid" x1="{x:g}" y1="{_TOP - 6}" x2="{x:g}" '
            f'y2="{height - 8}" aria-hidden="true"/>'
            f'<text class="axis" x="{x:g}" y="{_TOP - 10}" text-anchor="middle" '
            f'aria-hidden="true">{tick}%</text>'
        )
    for number, repository in enumerate(drawn):
        y = _TOP + _ROW * number
        words = _coverage_words(repository)
        name = html_text(repository.name)
        short = html_text(repository.name, limit=LABEL_CHARACTERS)
        parts = [
            f'<g class="row" transform="translate(0 {y})">',
            f"<title>{name}: {html_text(words)}</title>",
            f'<text class="label" x="{_LABEL_WIDTH}" y="{_BAR - 3}" '
            f'text-anchor="end">{short}</text>',
            f'<rect class="track" x="{_TRACK_X}" y="2" width="{_TRACK_WIDTH}" height="{_BAR}"/>',
        ]
        value = repository.coverage_percent
        if value is not None:
            width = _TRACK_WIDTH * value / 100
            if value > 0:
                width = max(width, 1.0)  # a sliver stays visible
            parts.append(
                f'<rect class="bar {_grade(value)}" x="{_TRACK_X}" y="2" '
                f'width="{width:.2f}" height="{_BAR}"/>'
            )
        parts.append(
            f'<text class="value" x="{_VALUE_X}" y="{_BAR - 3}">{html_text(words)}</text></g>'
        )
        lines.append("".join(parts))
    lines.append("</svg>")
    if count > len(drawn):
        lines.append(
            f'<p class="muted">The chart shows the {len(drawn):,} least covered of {count:,} '
            "repositories; the table lists every one.</p>"
        )
    return lines


def _status_table(report: OrgReport) -> list[str]:
    head = "".join(f'<th scope="col" class="n"><code>{s.value}</code></th>' for s in Status)
    lines = [
        '<div class="table-wrap"><table id="status-table">',
        "<caption>Each repository's dependencies by status, least covered first. Coverage is "
        "<code>chainguard</code> over the dependencies an index was asked about "
        "(<code>not-indexed</code> left out).</caption>",
        '<thead><tr><th scope="col">Repository</th><th scope="col" class="n">Coverage</th>'
        f'{head}<th scope="col" class="n">Unreadable</th></tr></thead>',
        "<tbody>",
    ]
    for repository in report.repositories:
        cells = "".join(f'<td class="n">{repository.counts[s]:,}</td>' for s in Status)
        lines.append(
            f'<tr><th scope="row"><code>{html_text(repository.name)}</code></th>'
            f'<td class="n">{html_text(_coverage_words(repository))}</td>{cells}'
            f'<td class="n">{repository.input_errors:,}</td></tr>'
        )
    lines.append("</tbody></table></div>")
    return lines


def _package_row(package: PackageNeed) -> str:
    versions = [
        (f"<code>{html_text(str(v.version))}</code>" if v.version is not None else "unpinned")
        + f" ({v.repositories:,})"
        for v in package.versions[:VERSIONS_SHOWN]
    ]
    if len(package.versions) > VERSIONS_SHOWN:
        versions.append(f"and {len(package.versions) - VERSIONS_SHOWN:,} more")
    where = [f"<code>{html_text(r)}</code>" for r in package.repositories[:REPOSITORIES_SHOWN]]
    if len(package.repositories) > REPOSITORIES_SHOWN:
        where.append(f"and {len(package.repositories) - REPOSITORIES_SHOWN:,} more")
    return (
        f'<tr><td class="n">{package.rank}</td>'
        f'<th scope="row"><code>{html_text(package.name)}</code></th>'
        f'<td class="n">{len(package.repositories):,}</td>'
        f'<td class="n">{package.fallback:,}</td><td class="n">{package.missing:,}</td>'
        f"<td>{', '.join(versions)}</td><td>{', '.join(where)}</td></tr>"
    )


def _ranking(report: OrgReport) -> list[str]:
    if not report.packages:
        return ["<p>No package is <code>fallback</code> or <code>missing</code> in any "
                "repository.</p>"]  # fmt: skip
    shown = report.packages[:RANKING_LIMIT]
    lines = [
        '<div class="table-wrap"><table id="ranking-table">',
        "<caption>Packages that repositories get only from the fallback index "
        "(<code>fallback</code>) or from no index (<code>missing</code>), ranked by how many "
        "repositories need them; equal counts share a rank.</caption>",
        '<thead><tr><th scope="col" class="n">Rank</th><th scope="col">Package</th>'
        '<th scope="col" class="n">Repositories</th>'
        '<th scope="col" class="n"><code>fallback</code></th>'
        '<th scope="col" class="n"><code>missing</code></th>'
        '<th scope="col">Versions (repositories)</th><th scope="col">Where</th></tr></thead>',
        "<tbody>",
        *(_package_row(p) for p in shown),
        "</tbody></table></div>",
    ]
    if len(report.packages) > len(shown):
        lines.append(
            f'<p class="muted">The first {len(shown):,} of {len(report.packages):,} packages '
            "are shown; the JSON report lists every one.</p>"
        )
    return lines


def _problems(report: OrgReport) -> list[str]:
    items: list[str] = []
    total = sum(r.input_errors for r in report.repositories)
    for repository in sorted(report.repositories, key=lambda r: (r.name.casefold(), r.name)):
        for error in repository.errors:
            if len(items) >= PROBLEMS_SHOWN:
                break
            where = error.file + (f":{error.line}" if error.line is not None else "")
            if error.key:
                where += f": {error.key}"
            items.append(
                f"<li><code>{html_text(repository.name)}</code>: "
                f"<code>{html_text(where, limit=300)}</code>: "
                f"{html_text(error.message, limit=500)}</li>"
            )
    if not items:
        return []
    if total > len(items):
        items.append(f"<li>and {total - len(items):,} more</li>")
    return [
        '<section aria-labelledby="problems-heading">',
        '<h2 id="problems-heading">Files the checks could not read</h2>',
        '<ul class="problems">',
        *items,
        "</ul></section>",
    ]


def render_org_html(report: OrgReport) -> str:
    """The page, as text ending with a newline."""
    count = len(report.repositories)
    noun = "repository" if count == 1 else "repositories"
    title = f"Chainguard coverage across {count:,} {noun}"
    chainguard = report.totals.get(Status.CHAINGUARD, 0)
    if report.coverage_percent is None:
        lead = "No dependency was checked against an index."
    else:
        lead = (
            f"<strong>{percent(report.coverage_percent)}</strong> of the checked dependencies "
            f"({chainguard:,} of {report.checked:,}) are served by Chainguard; "
            f"{report.fully_covered:,} of {count:,} {noun} fully covered; "
            f"{len(report.packages):,} package(s) to ask Chainguard to build."
        )
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{title}</h1>",
        f'<p class="lead">{lead}</p>',
        '<section aria-labelledby="chart-heading">',
        '<h2 id="chart-heading">Coverage per repository</h2>',
        "<figure>",
        *_chart(report),
        "</figure>",
        "</section>",
        '<section aria-labelledby="status-heading">',
        '<h2 id="status-heading">Statuses per repository</h2>',
        *_status_table(report),
        "</section>",
        '<section aria-labelledby="ranking-heading" id="ranking">',
        '<h2 id="ranking-heading">Packages to ask Chainguard to build</h2>',
        *_ranking(report),
        "</section>",
        *_problems(report),
        f"<footer>Made by cg-action {html_text(__version__)} from {count:,} "
        "<code>check --format json</code> report(s).</footer>",
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(lines) + "\n"
