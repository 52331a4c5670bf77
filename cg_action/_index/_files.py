"""What both page parsers share: turning one listed link into an ``IndexFile``.

A link's URL is resolved against the page (or ``<base href>``), stripped of user-info and of its
fragment; a ``#<algorithm>=<hex>`` fragment becomes a hash. The version comes from the file
name with ``packaging``'s wheel and sdist rules; an odd name gives ``version=None`` rather than
an error, because repository managers list whatever they hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from cg_action._models import Hash, IndexFile
from cg_action._urls import redact_url

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
    lower = filename.lower()
    return any(lower.endswith(suffix) for suffix in DIST_SUFFIXES)


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


def version_of(filename: str, name: NormalizedName) -> Version | None:
    """The version a file name carries for project ``name`` (None when it cannot be read).

    A file whose name part belongs to another project (``foo-bar-1.0.tar.gz`` on ``foo``'s
    page) gets None too: guessing would invent a version.
    """
    try:
        if filename.lower().endswith(".whl"):
            wheel_name, version, _build, _tags = parse_wheel_filename(filename)
            return version if wheel_name == name else None
        if filename.lower().endswith((".tar.gz", ".zip")):
            sdist_name, version = parse_sdist_filename(filename)
            return version if sdist_name == name else None
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    stem = filename
    for suffix in DIST_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    if filename.lower().endswith(".egg"):
        stem = stem.rsplit("-py", 1)[0]  # name-1.0-py3.8.egg
    project, sep, raw_version = stem.rpartition("-")
    if not sep or canonicalize_name(project) != name:
        return None
    try:
        return Version(raw_version)
    except InvalidVersion:
        return None


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
    url, fragment = resolve_url(href, base_url)
    filename = filename_of(url)
    if not is_distribution(filename) and text_filename and is_distribution(text_filename.strip()):
        filename = text_filename.strip()
    if not is_distribution(filename):
        return None
    all_hashes = list(hashes)
    from_fragment = hash_from_fragment(fragment)
    if from_fragment is not None and all(
        h.algorithm != from_fragment.algorithm for h in all_hashes
    ):
        all_hashes.append(from_fragment)
    return IndexFile(
        filename=filename,
        url=url,
        version=version_of(filename, name),
        hashes=tuple(all_hashes),
        requires_python=requires_python.strip() if requires_python else None,
        yanked=yanked,
        yanked_reason=yanked_reason or None,
        has_core_metadata=has_core_metadata,
    )
