"""The PEP 503 HTML form of a project page, read with the standard library's ``html.parser``.

Repository managers (Artifactory, Nexus, Cloudsmith, devpi, pypiserver) each write the page a
little differently: upper-case tags, missing ``</a>``, extra attributes, relative and absolute
links, a ``<base href>``, folder links such as ``../``. The parser keeps every anchor whose
target is a distribution and reads the PEP 503/592/658/714 attributes when present.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

from packaging.utils import NormalizedName

from cg_action._index._files import PageError, build_file, versions_from
from cg_action._models import IndexFile, IndexProject
from cg_action._urls import redact_url


@dataclass(slots=True)
class _Anchor:
    href: str
    attrs: dict[str, str | None]
    text: list[str] = field(default_factory=list)


class _SimplePageParser(HTMLParser):
    """Collects anchors, the ``<base href>`` and whether the page looks like a simple page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[_Anchor] = []
        self.base_href: str | None = None
        self.has_document_tags = False
        self.repository_version: str | None = None
        self._open: _Anchor | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("html", "body", "head"):
            self.has_document_tags = True
        elif tag == "base" and self.base_href is None:
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

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "a":
            self._close_anchor()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("a", "body", "html"):
            self._close_anchor()

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.text.append(data)

    def close(self) -> None:
        super().close()
        self._close_anchor()

    def _close_anchor(self) -> None:
        if self._open is not None:
            self.anchors.append(self._open)
            self._open = None


# -- the fast path -----------------------------------------------------------------------------
#
# ``html.parser`` costs about 50 us for a one-link page, a third of reading the page. Most index
# pages are plain markup: tags with simple attributes, text, a doctype. For those, one regular
# expression finds the same tags and text, and the parser's own handler methods are called with
# exactly what ``HTMLParser`` would pass them (lower-case names, unescaped values and text). A
# page with anything else (a comment, a script, a processing instruction, an attribute written
# unusually, a stray ``<``) goes to ``HTMLParser``; tests compare both on generated pages.

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
_RAW_TEXT = frozenset(
    {"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext"}
)
_TEXT_ONLY = frozenset({"title", "textarea"})


def feed_plain_page(text: str, parser: HTMLParser) -> bool:
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
            if tag in _RAW_TEXT:
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


def _file_from_anchor(anchor: _Anchor, base_url: str, name: NormalizedName) -> IndexFile | None:
    attrs = anchor.attrs
    is_yanked = "data-yanked" in attrs
    return build_file(
        href=anchor.href,
        base_url=base_url,
        name=name,
        text_filename="".join(anchor.text),
        requires_python=attrs.get("data-requires-python"),
        yanked=is_yanked,
        yanked_reason=(attrs.get("data-yanked") or None) if is_yanked else None,
        has_core_metadata=_core_metadata(attrs),
    )


def parse_html_page(
    text: str, page_url: str, *, name: NormalizedName, index_url: str
) -> IndexProject:
    """Read a PEP 503 project page served at ``page_url`` into an ``IndexProject``.

    Raise ``PageError`` when the text is not a simple page: no distribution links and no
    sign of an HTML document (``<html>``/``<body>``) or of a ``pypi:repository-version`` meta.
    """
    parser = _SimplePageParser()
    if not feed_plain_page(text, parser):
        parser = _SimplePageParser()
        try:
            parser.feed(text)
            parser.close()
        except (AssertionError, ValueError) as exc:  # html.parser's failures on broken markup
            raise PageError(f"malformed HTML page: {exc}") from exc
    version = parser.repository_version
    if version is not None and version.split(".", 1)[0].strip() not in ("", "1"):
        raise PageError(f"unsupported simple API version {version!r} (this tool reads 1.x)")
    base_url = page_url
    if parser.base_href:
        base_url = urljoin(page_url, parser.base_href)
    files: list[IndexFile] = []
    for anchor in parser.anchors:
        found = _file_from_anchor(anchor, base_url, name)
        if found is not None:
            files.append(found)
    if not files and not parser.has_document_tags and version is None:
        raise PageError("the answer is not a simple index page (no links, no HTML document)")
    return IndexProject(
        name=name,
        index_url=redact_url(index_url),
        files=tuple(files),
        versions=versions_from(files, None),
    )
