"""The PEP 503 HTML form of a project page, read in time linear in its length.

Repository managers (Artifactory, Nexus, Cloudsmith, devpi, pypiserver) each write the page a
little differently: upper-case tags, missing ``</a>``, extra attributes, relative and absolute
links, a ``<base href>``, folder links such as ``../``. The reader keeps every anchor whose
target is a distribution and reads the PEP 503/592/658/714 attributes when present.

A page is whatever the index sent, so it is read by a scanner that never looks at a byte twice
(``scan_page``), after the HTML tokenizer's rules for the little a simple page needs: tags
with their attributes, text, comments, doctypes, and the elements whose content is text
(``script``, ``style``, ``title``, ``textarea``, ...). ``html.parser`` is not used: pages such
as 250 KB of ``<a b `` or of unterminated quotes took it minutes (it scans the rest of the page
again at every ``<``). A construct left open at the end of the page (a comment, a tag, a
quoted value) ends there, as in a browser.

What counts as a simple page, so that an empty one says "this project has no files" and a
maintenance or login page says nothing (``PageError``, hence ``unknown``, never ``missing``):
a page that lists at least one distribution, or one that carries the PEP 503 marker
``<meta name="pypi:repository-version">``, or whose ``<title>`` or ``<h1>`` reads
``Links for <project>`` for the project asked about (what pip's, PyPI's, pypiserver's,
devpi's and the repository managers' pages say). Anything else is not a simple page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urljoin

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from cg_action._index._files import Links, PageError, make_file
from cg_action._models import IndexFile, IndexProject
from cg_action._urls import redact_url

Attributes = list[tuple[str, str | None]]
_HEADING_LIMIT = 512  # characters of a title or h1 kept: enough for "Links for <name>"


class PageHandlers(Protocol):
    """What a page reader calls, with ``HTMLParser``'s arguments (lower-case names,
    unescaped text and values)."""

    def handle_starttag(self, tag: str, attrs: Attributes) -> None: ...

    def handle_startendtag(self, tag: str, attrs: Attributes) -> None: ...

    def handle_endtag(self, tag: str) -> None: ...

    def handle_data(self, data: str) -> None: ...


@dataclass(slots=True)
class _Anchor:
    href: str
    attrs: dict[str, str | None]
    text: list[str] = field(default_factory=list)


class _SimplePageParser:
    """Collects anchors, the ``<base href>``, the PEP 503 marker and the page's headings."""

    def __init__(self) -> None:
        self.anchors: list[_Anchor] = []
        self.base_href: str | None = None
        self.repository_version: str | None = None
        self.headings: list[str] = []  # the text of each title and h1
        self._open: _Anchor | None = None
        self._heading: list[str] | None = None
        self._heading_size = 0

    def handle_starttag(self, tag: str, attrs: Attributes) -> None:
        if tag == "base" and self.base_href is None:
            href = dict(attrs).get("href")
            if href:
                self.base_href = href
        elif tag == "meta":
            values = dict(attrs)
            if (values.get("name") or "").lower() == "pypi:repository-version":
                self.repository_version = values.get("content") or ""
        elif tag == "a":
            self._close_anchor()
            values = {key.lower(): value for key, value in attrs}
            href = values.get("href")
            if href:
                self._open = _Anchor(href=href, attrs=values)
        elif tag in ("title", "h1"):
            self._close_heading()
            self._heading, self._heading_size = [], 0

    def handle_startendtag(self, tag: str, attrs: Attributes) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "a":
            self._close_anchor()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("a", "body", "html"):
            self._close_anchor()
        if tag in ("title", "h1", "head", "body", "html"):
            self._close_heading()

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.text.append(data)
        if self._heading is not None and self._heading_size < _HEADING_LIMIT:
            self._heading.append(data[:_HEADING_LIMIT])
            self._heading_size += len(data)

    def close(self) -> None:
        self._close_anchor()
        self._close_heading()

    def _close_anchor(self) -> None:
        if self._open is not None:
            self.anchors.append(self._open)
            self._open = None

    def _close_heading(self) -> None:
        if self._heading is not None:
            self.headings.append("".join(self._heading)[:_HEADING_LIMIT])
            self._heading = None


# -- the scanner -------------------------------------------------------------------------------
#
# Every regular expression below is matched at a position and consumes what it matched, or is a
# search for a fixed end marker whose position becomes the new start: the scan is linear.

_TAG_NAME = re.compile(r"[^\t\n\f\r />]*")
# separators (white space, "/"), then maybe an attribute: a name, then maybe "=" and a value in
# double quotes, single quotes or none; a quote that is never closed shows as an empty group 3/5
_ATTRIBUTE = re.compile(
    r"""
    ([\t\n\f\r\x20/]*)
    (?:
        ([^\t\n\f\r\x20/>][^\t\n\f\r\x20/>=]*)
        [\t\n\f\r\x20]*
        (?:
            =[\t\n\f\r\x20]*
            (?: "([^"]*)("?) | '([^']*)('?) | ([^\t\n\f\r\x20>]*) )
        )?
    )?
    """,
    re.VERBOSE,
)
_COMMENT_END = re.compile(r"--!?>")
# elements whose content is text up to their end tag (the tokenizer's RAWTEXT, RCDATA and
# script data states); title and textarea text is unescaped (RCDATA), the others' is dropped
_RAW_TEXT = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript"})
_ESCAPABLE_TEXT = frozenset({"title", "textarea"})
_RAW_END = {
    name: re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE)
    for name in (*_RAW_TEXT, *_ESCAPABLE_TEXT)
}


class _Cut(Exception):
    """The page ended inside a construct: ``what`` names it."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def scan_page(text: str, handlers: PageHandlers) -> str | None:
    """Call ``handlers`` for each tag and text of ``text``, in one pass (see the docstring).

    Return what the page ended inside of (``"a tag"``, ``"a comment"``, ...), or None when it
    ended between constructs; what was cut off is dropped, as a browser drops it.
    """
    try:
        _scan(text, handlers)
    except _Cut as cut:
        return cut.what
    return None


def _scan(text: str, handlers: PageHandlers) -> None:
    end = len(text)
    position = 0
    while position < end:
        less = text.find("<", position)
        if less < 0:
            handlers.handle_data(html.unescape(text[position:]))
            return
        if less > position:
            handlers.handle_data(html.unescape(text[position:less]))
        following = text[less + 1 : less + 2]
        if following.isascii() and following.isalpha():
            position = _scan_tag(text, less + 1, handlers, is_end=False)
        elif following == "/":
            after = text[less + 2 : less + 3]
            if after.isascii() and after.isalpha():
                position = _scan_tag(text, less + 2, handlers, is_end=True)
            elif after == ">":  # "</>": nothing
                position = less + 3
            elif not after:
                raise _Cut("an end tag")
            else:  # "</ x>" and the like: a bogus comment up to the next ">"
                position = _after(text, ">", less + 2, "a comment")
        elif following == "!":
            if text.startswith("<!--", less):
                position = _skip_comment(text, less + 4)
            else:  # a doctype, CDATA outside foreign content, a bogus comment
                position = _after(text, ">", less + 2, "a declaration")
        elif following == "?":  # a processing instruction: a bogus comment
            position = _after(text, ">", less + 2, "a processing instruction")
        elif not following:
            raise _Cut("a tag")
        else:  # a "<" that starts nothing is text
            handlers.handle_data("<")
            position = less + 1


def _after(text: str, marker: str, start: int, what: str) -> int:
    """Just past the next ``marker`` from ``start``; ``_Cut(what)`` when there is none."""
    found = text.find(marker, start)
    if found < 0:
        raise _Cut(what)
    return found + len(marker)


def _span_end(pattern: re.Pattern[str], text: str, start: int) -> int:
    """Where what ``pattern`` matches at ``start`` ends (``start`` when it matches nothing)."""
    found = pattern.match(text, start)
    return start if found is None else found.end()


def _skip_comment(text: str, start: int) -> int:
    """Just past the comment whose text starts at ``start`` (after ``<!--``)."""
    if text.startswith(">", start):  # "<!-->"
        return start + 1
    if text.startswith("->", start):  # "<!--->"
        return start + 2
    found = _COMMENT_END.search(text, start)
    if found is None:
        raise _Cut("a comment")
    return found.end()


def _scan_tag(text: str, start: int, handlers: PageHandlers, *, is_end: bool) -> int:
    """Read the tag whose name starts at ``start``; call its handler; return where it ends.

    A tag cut off by the end of the page (an unterminated quote included) raises ``_Cut``.
    """
    end = len(text)
    position = _span_end(_TAG_NAME, text, start)
    name = text[start:position].lower()
    attrs: Attributes = []
    closed_by = ""
    while position < end:
        found = _ATTRIBUTE.match(text, position)
        if found is None:  # pragma: no cover - the pattern matches the empty string
            break
        separator, attr_name, double, double_end, single, single_end, bare = found.groups()
        after = found.end()
        if attr_name is None:  # only separators: the tag ends here, or the page does
            if text.startswith(">", after):
                closed_by = "/>" if separator.endswith("/") else ">"
                position = after + 1
            else:
                position = end
            break
        if (double is not None and not double_end) or (single is not None and not single_end):
            raise _Cut("a quoted attribute value")
        value = double if double is not None else single if single is not None else bare
        attrs.append((attr_name.lower(), html.unescape(value) if value else value))
        position = after
    if not closed_by:
        raise _Cut("a tag")
    if is_end:
        handlers.handle_endtag(name)
        return position
    if closed_by == "/>":
        handlers.handle_startendtag(name, attrs)
        return position
    handlers.handle_starttag(name, attrs)
    if name == "plaintext":  # everything after it is text
        handlers.handle_data(text[position:])
        return end
    raw_end = _RAW_END.get(name)
    if raw_end is None:
        return position
    found_end = raw_end.search(text, position)
    if found_end is None:
        raise _Cut(f"a {name} element")
    stop = found_end.start()
    if name in _ESCAPABLE_TEXT and stop > position:
        handlers.handle_data(html.unescape(text[position:stop]))
    return stop


# -- the fast path -----------------------------------------------------------------------------
#
# Most index pages are plain markup: tags with simple attributes, text, a doctype. For those, one
# regular expression finds the tags and text, and the handlers are called with exactly what
# ``HTMLParser`` would pass them (lower-case names, unescaped values and text). A page with
# anything else (a comment, a script, a processing instruction, an attribute written unusually,
# a stray ``<``) goes to ``scan_page``; tests compare the fast path with ``HTMLParser`` and with
# ``scan_page`` on generated pages. The expression matches at each ``<`` and gives up at the
# first character it does not expect, so it is linear too.

_PLAIN_TOKEN = re.compile(
    r"""
    <(?:
        (?P<tag>[A-Za-z][A-Za-z0-9]*)
        (?P<attrs>(?:\s+[A-Za-z_:][-A-Za-z0-9_:.]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)
        \s*(?P<slash>/)?>
      | /(?P<end>[A-Za-z][A-Za-z0-9]*)\s*>
      | !(?i:doctype)\s[^<>]*>
    )
    """,
    re.VERBOSE,
)
_PLAIN_ATTR = re.compile(
    r"""\s+([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?"""
)
# elements whose content HTMLParser (in some Python version) does not read as markup; a title
# (or textarea) is taken only when it holds text alone, which every version reads alike
_NOT_PLAIN = frozenset({*_RAW_TEXT, "plaintext"})
_TEXT_ONLY = frozenset({"title", "textarea"})


def feed_plain_page(text: str, parser: PageHandlers) -> bool:
    """Call ``parser``'s handlers as ``HTMLParser.feed`` + ``close`` would, if the page is plain.

    Return False, having called nothing, when the page is not plain markup (see above).
    """
    events: list[tuple[int, str, list[tuple[str, str | None]]]] = []
    position = 0
    text_only: str | None = None  # inside this element, only text may come before its end
    for token in _PLAIN_TOKEN.finditer(text):
        between = text[position : token.start()]
        if "<" in between:
            return False
        if between:
            events.append((_DATA, between, []))
        position = token.end()
        tag, end = token.group("tag"), token.group("end")
        if text_only is not None and (end is None or end.lower() != text_only):
            return False
        text_only = None
        if tag is not None:
            tag = tag.lower()
            if tag in _NOT_PLAIN:
                return False
            if tag in _TEXT_ONLY and not token.group("slash"):
                text_only = tag
            attrs = [
                (found.group(1).lower(), _attr_value(found.group(2)))
                for found in _PLAIN_ATTR.finditer(token.group("attrs") or "")
            ]
            events.append((_EMPTY if token.group("slash") else _START, tag, attrs))
        elif end is not None:
            events.append((_END, end.lower(), []))
    rest = text[position:]
    if "<" in rest or text_only is not None:
        return False
    if rest:
        events.append((_DATA, rest, []))
    for kind, value, attrs in events:
        if kind == _DATA:
            parser.handle_data(html.unescape(value))
        elif kind == _START:
            parser.handle_starttag(value, attrs)
        elif kind == _EMPTY:
            parser.handle_startendtag(value, attrs)
        else:
            parser.handle_endtag(value)
    return True


_DATA, _START, _EMPTY, _END = range(4)


def _attr_value(raw: str | None) -> str | None:
    if raw is None:  # an attribute written without a value
        return None
    if raw[:1] in ("'", '"') and raw[:1] == raw[-1:] and len(raw) > 1:
        raw = raw[1:-1]
    return html.unescape(raw) if raw else raw


def _core_metadata(attrs: dict[str, str | None]) -> bool:
    for key in ("data-core-metadata", "data-dist-info-metadata"):
        if key in attrs:
            value = (attrs[key] or "").strip().lower()
            return value != "false"
    return False


def _make_file(
    anchor: _Anchor, url: str, fragment: str, filename: str, version: Version | None
) -> IndexFile:
    attrs = anchor.attrs
    is_yanked = "data-yanked" in attrs
    return make_file(
        url=url,
        fragment=fragment,
        filename=filename,
        version=version,
        requires_python=attrs.get("data-requires-python"),
        yanked=is_yanked,
        yanked_reason=(attrs.get("data-yanked") or None) if is_yanked else None,
        has_core_metadata=_core_metadata(attrs),
    )


def parse_html_page(
    text: str, page_url: str, *, name: NormalizedName, index_url: str
) -> IndexProject:
    """Read a PEP 503 project page served at ``page_url`` into an ``IndexProject``.

    Raise ``PageError`` when the text is not a simple page (see the module docstring).
    """
    parser = _SimplePageParser()
    if not feed_plain_page(text, parser):
        parser = _SimplePageParser()
        cut = scan_page(text, parser)
        if cut is not None:  # a page cut short may lack the very file asked about
            raise PageError(f"the page ends inside {cut}: it was cut short or is not HTML")
    parser.close()
    version = parser.repository_version
    if version is not None and version.split(".", 1)[0].strip() not in ("", "1"):
        raise PageError(f"unsupported simple API version {version!r} (this tool reads 1.x)")
    base_url = page_url
    if parser.base_href:
        try:
            base_url = urljoin(page_url, parser.base_href)
        except ValueError as exc:  # e.g. an unbalanced IPv6 bracket
            raise PageError(f"the page's <base href> is not a URL ({exc})") from None
    links: Links[_Anchor] = Links(name, base_url)
    links.add_all(
        (anchor, anchor.href, "".join(anchor.text), "data-yanked" in anchor.attrs)
        for anchor in parser.anchors
    )
    files = links.files(_make_file)
    named = _named_projects(parser.headings)
    if named and name not in named:
        raise PageError(f"the page is the one of another project ({sorted(named)[0]})")
    if not files and version is None and not named:
        raise PageError(
            "the answer is not a simple index page (no distribution links, no "
            "pypi:repository-version marker, no 'Links for' heading naming the project)"
        )
    return IndexProject(
        name=name,
        index_url=redact_url(index_url),
        files=files,
        versions=links.sorted_versions(),
    )


_LINKS_FOR = re.compile(r"links\s+for\s+(\S+)\s*\Z", re.IGNORECASE)


def _named_projects(headings: list[str]) -> set[NormalizedName]:
    """The projects a title or h1 names as ``... Links for <name>`` (any case or spelling)."""
    named: set[NormalizedName] = set()
    for heading in headings:
        found = _LINKS_FOR.search(heading.strip())
        if found is not None:
            named.add(canonicalize_name(found.group(1)))
    return named
