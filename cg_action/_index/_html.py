"""The PEP 503 HTML form of a project page, read with the standard library's ``html.parser``.

Repository managers (Artifactory, Nexus, Cloudsmith, devpi, pypiserver) each write the page a
little differently: upper-case tags, missing ``</a>``, extra attributes, relative and absolute
links, a ``<base href>``, folder links such as ``../``. The parser keeps every anchor whose
target is a distribution and reads the PEP 503/592/658/714 attributes when present.
"""

from __future__ import annotations

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
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError) as exc:  # html.parser's own failures on broken markup
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
