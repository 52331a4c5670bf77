"""The plain-page fast path of the HTML reader calls the handlers exactly as ``HTMLParser`` does.

Pages are generated from fragments that real index pages use and from ones that trip simple
scanners (comments, scripts, titles holding markup, odd quoting, stray ``<``); whenever the fast
path takes a page, the handler calls it makes must equal ``HTMLParser``'s. The index pages of
the servers the tests copy (pypiserver, devpi, Artifactory, Nexus, Chainguard-like) must all
take the fast path, or it would save nothing.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cg_action._index._html import feed_plain_page

from . import _pages

Event = tuple[str, str, tuple[tuple[str, str | None], ...]]


class Recorder(HTMLParser):
    """Every handler call, with consecutive text joined (HTMLParser may cut it anywhere)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[Event] = []

    def _add(self, kind: str, value: str, attrs: list[tuple[str, str | None]]) -> None:
        if kind == "data" and self.events and self.events[-1][0] == "data":
            self.events[-1] = ("data", self.events[-1][1] + value, ())
        else:
            self.events.append((kind, value, tuple(attrs)))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._add("start", tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._add("startend", tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self._add("end", tag, [])

    def handle_data(self, data: str) -> None:
        if data:
            self._add("data", data, [])


def by_html_parser(text: str) -> list[Event]:
    recorder = Recorder()
    recorder.feed(text)
    recorder.close()
    return recorder.events


def by_fast_path(text: str) -> list[Event] | None:
    recorder = Recorder()
    return recorder.events if feed_plain_page(text, recorder) else None


NAMES = st.sampled_from(
    [
        "a",
        "A",
        "html",
        "HTML",
        "body",
        "head",
        "base",
        "meta",
        "br",
        "title",
        "h1",
        "p",
        "script",
        "style",
        "textarea",
    ]
)
ATTR_NAMES = st.sampled_from(
    [
        "href",
        "HREF",
        "data-yanked",
        "data-requires-python",
        "data-core-metadata",
        "data-dist-info-metadata",
        "name",
        "content",
        "x:y",
        "_a",
    ]
)
VALUE_PIECES = ["x", "1", ".", "/", "#", "=", " ", "&amp;", "&gt;", "&#62;", "&lt", "&", "'"]
VALUE_TEXT = st.lists(
    st.sampled_from([*VALUE_PIECES, '"', "<", ">", "`", "sha256=ab", "-", "é"]), max_size=6
).map("".join)
SPACE = st.sampled_from([" ", "\n", "  ", "\t", ""])


@st.composite
def attribute(draw: st.DrawFn) -> str:
    name = draw(ATTR_NAMES)
    value = draw(VALUE_TEXT)
    style = draw(st.sampled_from(["double", "single", "bare", "none", "spaced"]))
    text = {
        "double": f'{name}="{value}"',
        "single": f"{name}='{value}'",
        "bare": f"{name}={value}",
        "none": name,
        "spaced": f'{name} = "{value}"',
    }[style]
    return draw(SPACE) + text


@st.composite
def tag(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["start", "start", "end", "empty"]))
    name = draw(NAMES)
    if kind == "end":
        return f"</{name}{draw(st.sampled_from(['', ' ', ' x']))}>"
    attrs = "".join(draw(st.lists(attribute(), max_size=3)))
    return f"<{name}{attrs}{draw(SPACE)}{'/' if kind == 'empty' else ''}>"


FRAGMENTS = st.one_of(
    tag(),
    tag(),
    VALUE_TEXT,
    st.sampled_from(
        [
            *("<!DOCTYPE html>", "<!doctype HTML>", "<!-- <a href=x> -->", "<?xml version='1.0'?>"),
            *("<![CDATA[<a>]]>", "< a", "a < b", "\n", "flask-1.0.tar.gz", "&amp;&quot;"),
        ]
    ),
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(FRAGMENTS, max_size=14).map("".join))
def test_the_fast_path_calls_the_handlers_as_html_parser_does(page: str) -> None:
    fast = by_fast_path(page)
    if fast is not None:
        assert fast == by_html_parser(page)


@pytest.mark.parametrize(
    "name", ["PYPISERVER_HTML", "DEVPI_HTML", "ARTIFACTORY_HTML", "NEXUS_HTML", "CHAINGUARD_HTML"]
)
def test_index_pages_take_the_fast_path(name: str) -> None:
    page = getattr(_pages, name)
    assert by_fast_path(page) == by_html_parser(page)


@pytest.mark.parametrize(
    "page",
    [
        '<a href="x.whl">x</a><!-- <a href="y.whl">y</a> -->',
        '<script>var s = "<a href=y.whl>";</script><a href="x.whl">x</a>',
        '<title><a href="y.whl">y</a></title>',
        '<a href="x.whl" title="a"b>x</a>',
        "<a href=x.whl>x < y</a>",
        '<a href="x.whl">x</a',
    ],
)
def test_other_markup_goes_to_html_parser(page: str) -> None:
    assert by_fast_path(page) is None
