"""What both page parsers share: reading the links of a page, and making ``IndexFile``s of them.

A link's URL is resolved against the page (or ``<base href>``), stripped of user-info and of its
fragment; a ``#<algorithm>=<hex>`` fragment becomes a hash. The version comes from the file
name with ``packaging``'s wheel and sdist rules; an odd name gives ``version=None`` rather than
an error, because repository managers list whatever they hold.

A page of a large project lists tens of thousands of files, and a check needs those of one or
two versions. So a page is read in two steps: ``Links`` takes every link with the little string
work that gives its file name and version (``link_filename``: the last segment of the link when
that is certain to be what resolving it gives; ``FilenameReader``: each distinct name, version,
build tag and tag set parsed once per page, by ``packaging``), and counts each version's files,
yanked and upstream ones; ``PageFiles`` then makes the ``IndexFile``s of a version when they
are asked for. What is read the short way is exactly what resolving and parsing every link
gives (tests compare the two on real pages and on generated links).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Generic, TypeVar
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from packaging.utils import (
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from cg_action._models import FileListing, Hash, IndexFile, Release
from cg_action._urls import is_upstream_fallback_url, redact_url

if TYPE_CHECKING:
    import datetime as dt

T = TypeVar("T")

# Archive suffixes of distributions, longest first so ".tar.gz" wins over ".gz".
DIST_SUFFIXES = (
    ".tar.gz",
    ".tar.bz2",
    ".tar.xz",
    ".tar.zst",
    ".tgz",
    ".tar",
    ".zip",
    ".whl",
    ".egg",
)
# ``hashlib.algorithms_guaranteed``, written out: importing hashlib loads OpenSSL (about 4 ms)
_HASH_NAMES = frozenset(
    {
        "blake2b",
        "blake2s",
        "md5",
        "sha1",
        "sha224",
        "sha256",
        "sha384",
        "sha3_224",
        "sha3_256",
        "sha3_384",
        "sha3_512",
        "sha512",
        "shake_128",
        "shake_256",
    }
)


class PageError(ValueError):
    """A page that cannot be read as a simple-index page (the client maps it to Unavailable)."""


def is_distribution(filename: str) -> bool:
    """Whether ``filename`` looks like a wheel, sdist or egg (not a folder or another page)."""
    return filename.lower().endswith(DIST_SUFFIXES)


def resolve_url(href: str, base_url: str) -> tuple[str, str]:
    """(absolute URL without user-info and fragment, the fragment) of a link on a page."""
    absolute = urljoin(base_url, href.strip())
    without_fragment, fragment = urldefrag(absolute)
    return redact_url(without_fragment), fragment


def filename_of(url: str) -> str:
    """The percent-decoded last path segment of ``url``."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return ""
    return unquote(path.rstrip("/").rpartition("/")[2]) if not path.endswith("/") else ""


def hash_from_fragment(fragment: str) -> Hash | None:
    """A ``sha256=<hex>`` style fragment as a hash; None for anything else."""
    algorithm, sep, value = fragment.partition("=")
    algorithm = algorithm.strip().lower()
    if not sep or algorithm not in _HASH_NAMES or not value.strip():
        return None
    return Hash(algorithm=algorithm, value=value.strip().lower())


def link_filename(href: str) -> str | None:
    """The file name of a link, read from the link alone; None when only resolving it can tell.

    It is the last path segment of the link before its fragment (``#sha256=...``) when the
    link is printable ASCII without white space (stripped or dropped when resolving), a query,
    percent-encoding, parameters, IPv6 brackets or a backslash, and the segment follows a "/"
    that does not end an authority (``https://host``), is no dot segment and holds no colon or
    ``@``. ``Links.add_all`` does the same inline.
    """
    if not href.isascii() or " " in href or not href.isprintable():
        return None
    href = href.partition("#")[0]
    if "?" in href or "%" in href or ";" in href or "[" in href or "]" in href or "\\" in href:
        return None
    head, _, tail = href.rpartition("/")
    if not tail or tail in (".", "..") or ":" in tail or "@" in tail or head.endswith("/"):
        return None
    return tail


def resolved_link(href: str, base_url: str) -> tuple[str, str, str]:
    """(absolute URL, fragment, file name) of a link; ``PageError`` when the URL is unreadable."""
    try:
        url, fragment = resolve_url(href, base_url)
    except ValueError as exc:  # e.g. an unbalanced IPv6 bracket
        raise PageError(f"a file link cannot be read as a URL ({exc}): {href[:100]!r}") from None
    return url, fragment, filename_of(url)


class FilenameReader:
    """The versions in the file names of one project's page (``version_of``'s rules, exactly).

    Each distinct piece of a name (project part, version, build tag, tag set) is checked once,
    by ``packaging``'s own functions, and remembered: a page of ten thousand wheels holds a few
    hundred distinct pieces.
    """

    def __init__(self, name: NormalizedName) -> None:
        self.name = name
        self.versions: dict[str, Version | None] = {}  # version text -> Version, None: invalid
        self.wheel_projects: dict[str, bool] = {}  # a wheel's project part -> names this one
        self.wheel_tags: dict[str, bool] = {}  # a wheel's tag set -> valid
        self.canonical: dict[str, str] = {}  # a name as written -> canonical
        self._builds: dict[str, bool] = {}
        self._tag_parts: dict[str, bool] = {}  # "i:cp311", "a:abi3", "p:win_amd64" -> valid

    def parse_version(self, text: str) -> Version | None:
        """``Version(text)``, or None when it is not one."""
        try:
            return self.versions[text]
        except KeyError:
            pass
        try:
            found: Version | None = Version(text)
        except InvalidVersion:
            found = None
        self.versions[text] = found
        return found

    def version(self, filename: str) -> Version | None:
        """The version ``filename`` carries for this project (see ``version_of``)."""
        text = self.version_text(filename)
        return None if text is None else self.parse_version(text)

    def version_text(self, filename: str) -> str | None:
        """The text of the version ``filename`` carries, if it is one (see ``version_of``)."""
        lower = filename.lower()
        if lower.endswith(".whl"):
            return self.wheel_version_text(filename)
        if lower.endswith((".tar.gz", ".zip")):
            return self._sdist(filename)
        stem = filename
        for suffix in DIST_SUFFIXES:
            if lower.endswith(suffix):
                stem = stem[: -len(suffix)]
                break
        if lower.endswith(".egg"):
            stem = stem.rsplit("-py", 1)[0]  # name-1.0-py3.8.egg
        project, sep, raw_version = stem.rpartition("-")
        if not sep or self._canonical_name(project) != self.name:
            return None
        return raw_version if self.parse_version(raw_version) is not None else None

    def _canonical_name(self, text: str) -> str:
        found = self.canonical.get(text)
        if found is None:
            found = self.canonical[text] = canonicalize_name(text)
        return found

    def wheel_version_text(self, filename: str) -> str | None:
        """``packaging``'s ``parse_wheel_filename``, one piece at a time: each piece is checked
        by parsing a wheel name made of it and pieces known to be valid."""
        if not filename.endswith(".whl"):
            return None
        stem = filename[:-4]
        dashes = stem.count("-")
        if dashes not in (4, 5):
            return None
        parts = stem.split("-", dashes - 2)
        if not self.is_wheel_project(parts[0]):
            return None
        if dashes == 5 and not self._valid(self._builds, parts[2], f"x-0-{parts[2]}-py3-none-any"):
            return None
        if not self.is_wheel_tag_set(parts[-1]):
            return None
        return parts[1] if self.parse_version(parts[1]) is not None else None

    def is_wheel_project(self, part: str) -> bool:
        """Whether a wheel name's project part is valid and names this project."""
        found = self.wheel_projects.get(part)
        if found is None:
            try:
                found = parse_wheel_filename(f"{part}-0-py3-none-any.whl")[0] == self.name
            except InvalidWheelFilename:
                found = False
            self.wheel_projects[part] = found
        return found

    def is_wheel_tag_set(self, part: str) -> bool:
        """Whether a wheel name's tag set (``py3-none-any``) is valid.

        ``packaging`` checks the interpreter, ABI and platform parts each on its own (none
        empty, interpreters identifiers), so each distinct part is checked once, in a tag set
        made of it and valid parts: a page holds a few dozen of each and thousands of sets.
        """
        found = self.wheel_tags.get(part)
        if found is None:
            interpreter, abi, platform = part.split("-")
            found = self.wheel_tags[part] = (
                self._valid(self._tag_parts, f"i:{interpreter}", f"x-0-{interpreter}-none-any")
                and self._valid(self._tag_parts, f"a:{abi}", f"x-0-py3-{abi}-any")
                and self._valid(self._tag_parts, f"p:{platform}", f"x-0-py3-none-{platform}")
            )
        return found

    @staticmethod
    def _valid(seen: dict[str, bool], piece: str, stem: str) -> bool:
        found = seen.get(piece)
        if found is None:
            try:
                parse_wheel_filename(stem + ".whl")
                found = True
            except InvalidWheelFilename:
                found = False
            seen[piece] = found
        return found

    def _sdist(self, filename: str) -> str | None:
        # packaging's parse_sdist_filename (whose suffixes are case-sensitive)
        if filename.endswith(".tar.gz"):
            stem = filename[:-7]
        elif filename.endswith(".zip"):
            stem = filename[:-4]
        else:
            return None
        project, sep, raw_version = stem.rpartition("-")
        if not sep or not project or self._canonical_name(project) != self.name:
            return None
        return raw_version if self.parse_version(raw_version) is not None else None


def version_of(filename: str, name: NormalizedName) -> Version | None:
    """The version a file name carries for project ``name`` (None when it cannot be read).

    A file whose name part belongs to another project (``foo-bar-1.0.tar.gz`` on ``foo``'s
    page) gets None too: guessing would invent a version. Wheels and sdists follow
    ``packaging``'s ``parse_wheel_filename`` and ``parse_sdist_filename``; other archives
    are ``<name>-<version>.<suffix>``.
    """
    return FilenameReader(name).version(filename)


def versions_from(
    files: Iterable[IndexFile], declared: Iterable[str] | None
) -> tuple[Version, ...]:
    """The sorted versions of a project: the files' and PEP 700 ``versions`` when given."""
    found: set[Version] = {f.version for f in files if f.version is not None}
    for raw in declared or ():
        try:
            found.add(Version(raw))
        except InvalidVersion:
            continue
    return tuple(sorted(found))


def make_file(
    *,
    url: str,
    fragment: str,
    filename: str,
    version: Version | None,
    hashes: Iterable[Hash] = (),
    requires_python: str | None = None,
    yanked: bool = False,
    yanked_reason: str | None = None,
    has_core_metadata: bool = False,
    upload_time: dt.datetime | None = None,
    size: int | None = None,
) -> IndexFile:
    """The ``IndexFile`` of a resolved link (a hash in its fragment joins the others)."""
    all_hashes = list(hashes)
    from_fragment = hash_from_fragment(fragment) if fragment else None
    if from_fragment is not None and all(
        h.algorithm != from_fragment.algorithm for h in all_hashes
    ):
        all_hashes.append(from_fragment)
    return IndexFile(
        filename=filename,
        url=url,
        version=version,
        hashes=tuple(all_hashes),
        requires_python=requires_python.strip() if requires_python else None,
        yanked=yanked,
        yanked_reason=yanked_reason or None,
        has_core_metadata=has_core_metadata,
        upload_time=upload_time,
        size=size,
    )


def build_file(
    *,
    href: str,
    base_url: str,
    name: NormalizedName,
    text_filename: str | None = None,
    hashes: Iterable[Hash] = (),
    requires_python: str | None = None,
    yanked: bool = False,
    yanked_reason: str | None = None,
    has_core_metadata: bool = False,
) -> IndexFile | None:
    """The ``IndexFile`` for one link; None when the link is not a distribution."""
    url, fragment, filename = resolved_link(href, base_url)
    if not is_distribution(filename) and text_filename and is_distribution(text_filename.strip()):
        filename = text_filename.strip()
    if not is_distribution(filename):
        return None
    return make_file(
        url=url,
        fragment=fragment,
        filename=filename,
        version=version_of(filename, name),
        hashes=hashes,
        requires_python=requires_python,
        yanked=yanked,
        yanked_reason=yanked_reason,
        has_core_metadata=has_core_metadata,
    )


class Links(Generic[T]):
    """The distribution links of one page, read the short way (see the module docstring).

    ``add`` takes each link of the page in order, with what the page says of it (``T``: a
    JSON entry, an HTML anchor); ``files`` gives the ``PageFiles`` that make them into
    ``IndexFile``s with ``make`` (called with the link, its resolved URL, fragment, file name
    and version).
    """

    def __init__(self, name: NormalizedName, base_url: str) -> None:
        self.reader = FilenameReader(name)
        self.base_url = base_url
        self._base_is_upstream = "python-upstream" in base_url
        # per distribution link, in page order: (link, href, file name, version text or None)
        self.kept: list[tuple[T, str, str, str | None]] = []
        self.resolved: dict[int, tuple[str, str]] = {}  # position -> (URL, fragment) when known
        self._by_text: dict[str, list[int]] = {}  # version text -> positions
        self._counts: dict[str, list[int]] = {}  # version text -> [files, yanked, upstream]
        self._grouped: tuple[dict[Version, list[int]], dict[Version, Release]] | None = None

    def add_all(self, links: Iterable[tuple[T, str, str | None, bool]]) -> None:
        """Take each link of the page, in order: (link, its URL as written, the file name the
        page gives beside it, whether it is yanked); those not distributions are left out.

        A page may list 20,000 links: this loop is written for speed (``link_filename`` and
        ``FilenameReader.version_text`` inline, with what was seen before).
        """
        reader = self.reader
        base_url = self.base_url
        base_is_upstream = self._base_is_upstream
        kept = self.kept
        by_text = self._by_text
        counts = self._counts
        resolved_at = self.resolved
        known_projects = reader.wheel_projects
        known_tags = reader.wheel_tags
        known_versions = reader.versions
        known_names = reader.canonical  # what the sdist rules have seen
        parse_version = reader.parse_version
        name = reader.name
        for link, href, text_filename, yanked in links:
            resolved: tuple[str, str] | None = None
            filename = None
            path = href.partition("#")[0] if "#" in href else href
            if not (
                not href.isascii()
                or " " in href
                or "?" in path
                or "%" in path
                or ";" in path
                or "[" in path
                or "]" in path
                or "\\" in path
                or not href.isprintable()
            ):
                head, _, tail = path.rpartition("/")
                if not (
                    not tail
                    or tail in (".", "..")
                    or ":" in tail
                    or "@" in tail
                    or head[-1:] == "/"
                ):
                    filename = tail
            if filename is None:
                url, fragment, filename = resolved_link(href, base_url)
                resolved = (url, fragment)
            text: str | None
            if filename.endswith(".whl"):  # most links
                # project, version, tag set (a build tag makes the last piece miss: long way)
                parts = filename[:-4].split("-", 2)
                if (
                    len(parts) == 3
                    and known_projects.get(parts[0])
                    and known_tags.get(parts[2])
                    and (
                        known_versions[parts[1]]
                        if parts[1] in known_versions
                        else parse_version(parts[1])
                    )
                ):
                    text = parts[1]
                else:
                    text = reader.wheel_version_text(filename)
            elif filename.endswith(".tar.gz"):  # most of the others: packaging's sdist rules
                project, _, raw = filename[:-7].rpartition("-")
                if known_names.get(project) == name and (
                    known_versions[raw] if raw in known_versions else parse_version(raw)
                ):
                    text = raw
                else:
                    text = reader.version_text(filename)
            elif filename.lower().endswith(DIST_SUFFIXES):
                text = reader.version_text(filename)
            else:
                alternative = text_filename.strip() if text_filename else ""
                if not alternative or not alternative.lower().endswith(DIST_SUFFIXES):
                    continue
                filename = alternative
                text = reader.version_text(filename)
            position = len(kept)
            upstream = False
            if base_is_upstream or "python-upstream" in href:
                # only a link or a base naming it can resolve to a path holding it (see
                # ``is_upstream_fallback_url``): a resolved path is made of whole segments
                if resolved is None:
                    url, fragment, _ = resolved_link(href, base_url)
                    resolved = (url, fragment)
                upstream = is_upstream_fallback_url(resolved[0])
            if resolved is not None:
                resolved_at[position] = resolved
            kept.append((link, href, filename, text))
            if text is not None:
                positions = by_text.get(text)
                if positions is None:
                    by_text[text] = [position]
                    counts[text] = [1, yanked, upstream]
                else:
                    positions.append(position)
                    count = counts[text]
                    count[0] += 1
                    count[1] += yanked
                    count[2] += upstream

    def grouped(self) -> tuple[dict[Version, list[int]], dict[Version, Release]]:
        """The positions and the ``Release`` of each version (texts of one version merged)."""
        if self._grouped is None:
            parse = self.reader.parse_version
            positions: dict[Version, list[int]] = {}
            counts: dict[Version, list[int]] = {}
            for text, found in self._by_text.items():
                version = parse(text)
                if version is None:  # pragma: no cover - only valid versions are kept
                    continue
                count = self._counts[text]
                if version in positions:  # "1.0" and "1.0.0", or "1.0rc1" and "1.0-rc1"
                    positions[version] = sorted(positions[version] + found)
                    counts[version] = [a + b for a, b in zip(counts[version], count, strict=True)]
                else:
                    positions[version], counts[version] = found, count
            # in version order: who sorts the versions again finds them sorted (one pass)
            releases = {}
            for version in sorted(counts):
                files, yanked, upstream = counts[version]
                releases[version] = Release(files=files, yanked=yanked, upstream=upstream)
            self._grouped = (positions, releases)
        return self._grouped

    def sorted_versions(self, declared: Iterable[str] | None = None) -> tuple[Version, ...]:
        """The files' versions and the declared ones (PEP 700), sorted."""
        with_files = self.grouped()[1]  # sorted already
        extra = set()
        for raw in declared or ():
            version = self.reader.parse_version(raw)
            if version is not None and version not in with_files:
                extra.add(version)
        if not extra:
            return tuple(with_files)
        return tuple(sorted([*with_files, *extra]))  # nearly sorted: one merge

    def files(self, make: Callable[[T, str, str, str, Version | None], IndexFile]) -> PageFiles[T]:
        """The files of these links, made when asked for."""
        return PageFiles(self, make)


class PageFiles(FileListing, Generic[T]):
    """The ``FileListing`` of a page's ``Links``: each file is made once, when first asked for."""

    __slots__ = ("_asked", "_links", "_made", "_make")

    def __init__(
        self, links: Links[T], make: Callable[[T, str, str, str, Version | None], IndexFile]
    ) -> None:
        self._links = links
        self._make = make
        self._made: list[IndexFile | None] = [None] * len(links.kept)
        self._asked: dict[Version, tuple[IndexFile, ...]] = {}

    def __len__(self) -> int:
        return len(self._made)

    @property
    def releases(self) -> Mapping[Version, Release]:
        return self._links.grouped()[1]

    def of_version(self, version: Version) -> tuple[IndexFile, ...]:
        found = self._asked.get(version)
        if found is None:
            positions = self._links.grouped()[0].get(version)
            if positions is None:
                return ()
            found = self._asked[version] = tuple(self._file(i) for i in positions)
        return found

    def asked_versions(self) -> Mapping[Version, tuple[IndexFile, ...]]:
        """The files of every version asked for so far (what the cache keeps of the page)."""
        return self._asked

    def all(self) -> tuple[IndexFile, ...]:
        return tuple(self._file(i) for i in range(len(self._made)))

    def _file(self, position: int) -> IndexFile:
        made = self._made[position]
        if made is None:
            links = self._links
            link, href, filename, text = links.kept[position]
            resolved = links.resolved.get(position)
            if resolved is None:
                # read the short way: the link resolves without error (see ``_QUICK_LINK``)
                resolved = resolve_url(href, links.base_url)
            version = None if text is None else links.reader.parse_version(text)
            made = self._made[position] = self._make(
                link, resolved[0], resolved[1], filename, version
            )
        return made
