"""Capture real project pages from PyPI's simple JSON API into one compressed fixture.

For every project in ``PROJECTS`` this fetches the PEP 691 page
(``Accept: application/vnd.pypi.simple.v1+json``) exactly as the index sends it and chooses
one pinned version: the newest final, unyanked release with a wheel for CPython 3.11 on
manylinux_2_28 (or older) x86_64 or a pure wheel, whose ``requires-python`` admits 3.11, and
whose PEP 658 ``<file-url>.metadata`` file the index has for the wheel an installer would
pick. The ``.metadata`` files of that release's other Linux x86_64 wheels are kept when the
index has them (those it lacks are listed). Everything goes into one xz-compressed JSON
document (``benchmarks/data/real-pages.json.xz``) with the date of the capture, and the pins
into ``benchmarks/data/real-pins.txt``.

Run again to refresh: ``python benchmarks/capture_pages.py [--index https://pypi.org/simple/]``
(a few minutes). The pages are public index data as the index serves them; nothing else is
stored.

The fixture (read it with ``_real_index.load_fixture``)::

    {"format": 1, "captured": "2026-...Z", "index": "https://pypi.org/simple/",
     "target": {"python": "3.11", "platform": "manylinux_2_28_x86_64"},
     "projects": [{"name": "numpy", "pin": "2.4.6",
                   "page": "<the body, decoded from UTF-8: encode it to get the bytes back>",
                   "headers": {"content-type": "...", ...},
                   "metadata": {"<file name>": "<its .metadata file>"},
                   "metadata-missing": ["<file name>", ...]}, ...]}
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import email.parser
import gzip
import json
import lzma
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import (
    InvalidWheelFilename,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "data" / "real-pages.json.xz"
PINS = HERE / "data" / "real-pins.txt"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
PYTHON = (3, 11)
MAX_GLIBC_MINOR = 28  # pins have a wheel for manylinux_2_28 or older: most Linux hosts take it
NEWEST_GLIBC_MINOR = 39  # the metadata of wheels for newer glibc versions is kept too
# response headers worth keeping: what the index said about caching and the format
# which releases (0 = the newest usable one) are tried for their metadata files, in order
TRIED_POSITIONS = (0, 1, 2, 3, 4, 6, 8, 11, 15, 21, 29, 40, 56, 78, 109, 152, 213, 298)
KEPT_HEADERS = (
    "content-type",
    "content-length",
    "content-encoding",
    "etag",
    "last-modified",
    "cache-control",
    "age",
    "vary",
    "x-pypi-last-serial",
)

# The very large pages first (many releases, many wheels each), then ordinary projects that
# real dependency files pin.
LARGE = [
    "numpy",
    "grpcio",
    "pydantic-core",
    "botocore",
    "boto3",
    "torch",
    "tensorflow",
    "scipy",
    "pandas",
    "cryptography",
    "lxml",
    "sqlalchemy",
    "grpcio-tools",
    "pyarrow",
    "ruff",
    "orjson",
    "awscli",
    "matplotlib",
    "pillow",
    "psycopg2-binary",
]
ORDINARY = [
    "requests",
    "urllib3",
    "certifi",
    "idna",
    "charset-normalizer",
    "six",
    "setuptools",
    "packaging",
    "python-dateutil",
    "typing-extensions",
    "pyyaml",
    "s3transfer",
    "jmespath",
    "wheel",
    "pip",
    "attrs",
    "pytz",
    "markupsafe",
    "jinja2",
    "click",
    "protobuf",
    "rsa",
    "pyasn1",
    "cffi",
    "pycparser",
    "fsspec",
    "google-api-core",
    "googleapis-common-protos",
    "platformdirs",
    "filelock",
    "importlib-metadata",
    "zipp",
    "pluggy",
    "pytest",
    "tomli",
    "virtualenv",
    "iniconfig",
    "exceptiongroup",
    "pyjwt",
    "wrapt",
    "aiohttp",
    "multidict",
    "yarl",
    "frozenlist",
    "aiosignal",
    "psutil",
    "pydantic",
    "annotated-types",
    "anyio",
    "sniffio",
    "h11",
    "httpx",
    "httpcore",
    "tqdm",
    "werkzeug",
    "flask",
    "itsdangerous",
    "blinker",
    "greenlet",
    "decorator",
    "kiwisolver",
    "fonttools",
    "cycler",
    "pyparsing",
    "contourpy",
    "docutils",
    "pygments",
    "rich",
    "markdown-it-py",
    "mdurl",
    "colorama",
    "tzdata",
    "regex",
    "soupsieve",
    "beautifulsoup4",
    "more-itertools",
    "tenacity",
    "grpcio-status",
    "proto-plus",
    "google-auth",
    "cachetools",
    "oauthlib",
    "requests-oauthlib",
    "msgpack",
    "scikit-learn",
    "joblib",
    "threadpoolctl",
    "networkx",
    "sympy",
    "mpmath",
    "openpyxl",
    "et-xmlfile",
    "coverage",
    "distlib",
    "isodate",
    "azure-core",
    "websocket-client",
    "gitpython",
    "redis",
    "uvicorn",
    "fastapi",
    "starlette",
    "simplejson",
    "zstandard",
    "tokenizers",
    "huggingface-hub",
    "safetensors",
    "mypy",
    "black",
]
PROJECTS = LARGE + ORDINARY


def tag_ranks(max_glibc_minor: int) -> dict[Tag, int]:
    """The wheel tags CPython 3.11 on x86_64 Linux (glibc up to 2.<minor>) installs, 0 = best.

    Pure wheels are among them; the order is the installer's preference (newest manylinux
    first, then abi3, then pure), as ``packaging.tags`` gives it.
    """
    platforms = [f"manylinux_2_{minor}_x86_64" for minor in range(max_glibc_minor, 4, -1)]
    platforms += ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"]
    interpreter = f"cp{PYTHON[0]}{PYTHON[1]}"
    ordered = [*cpython_tags(PYTHON, abis=[interpreter], platforms=platforms)]
    ordered += compatible_tags(PYTHON, interpreter, platforms)
    ranks: dict[Tag, int] = {}
    for rank, tag in enumerate(ordered):
        ranks.setdefault(tag, rank)
    return ranks


@dataclass(frozen=True)
class Release:
    """A pin candidate: a version, the wheel an installer picks for the target, the others."""

    version: Version
    best: Mapping[str, Any]
    others: list[Mapping[str, Any]]


def _get(url: str, accept: str, *, attempts: int = 3) -> tuple[bytes, dict[str, str]]:
    request = urllib.request.Request(
        url,
        headers={
            "Accept": accept,
            "Accept-Encoding": "gzip",
            "User-Agent": "cg-action-benchmark-capture (fixture of public index pages)",
        },
    )
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                body: bytes = response.read()
                headers = {k.lower(): v for k, v in response.headers.items()}
        except urllib.error.HTTPError as error:
            if error.code < 500 or attempt == attempts - 1:
                raise
        except (urllib.error.URLError, TimeoutError):
            if attempt == attempts - 1:
                raise
        else:
            if headers.get("content-encoding") == "gzip":
                body = gzip.decompress(body)
            return body, headers
        time.sleep(1 + attempt)
    raise AssertionError("unreachable")


def _admits(requires_python: object, python: Version) -> bool:
    if not isinstance(requires_python, str) or not requires_python.strip():
        return True
    try:
        return python in SpecifierSet(requires_python)
    except InvalidSpecifier:
        return False


def pin_candidates(page: Mapping[str, Any]) -> list[Release]:
    """Final releases with a wheel for the target, newest first (see ``Release``).

    The target is glibc 2.28 or older (a pin that installs on most Linux hosts); ``others``
    are the release's other wheels a newer glibc would take, whose metadata is kept too.
    """
    python = Version(f"{PYTHON[0]}.{PYTHON[1]}.0")
    portable = tag_ranks(MAX_GLIBC_MINOR)
    wide = tag_ranks(NEWEST_GLIBC_MINOR)
    name = canonicalize_name(page["name"])
    wheels: dict[Version, list[tuple[int, Mapping[str, Any]]]] = {}
    for entry in page["files"]:
        filename = entry["filename"]
        if not filename.endswith(".whl") or entry.get("yanked"):
            continue
        try:
            wheel_name, version, _build, wheel_tags = parse_wheel_filename(filename)
        except (InvalidWheelFilename, InvalidVersion):
            continue
        if wheel_name != name or version.is_prerelease or version.is_devrelease:
            continue
        if not _admits(entry.get("requires-python"), python):
            continue
        ranks = [portable[tag] for tag in wheel_tags if tag in portable]
        if ranks:
            wheels.setdefault(version, []).append((min(ranks), entry))
        elif any(tag in wide for tag in wheel_tags):
            wheels.setdefault(version, []).append((len(portable), entry))
    releases = []
    for version, ranked in wheels.items():
        ranked.sort(key=lambda item: item[0])
        if ranked[0][0] < len(portable):
            releases.append(Release(version, ranked[0][1], [entry for _, entry in ranked[1:]]))
    return sorted(releases, key=lambda release: release.version, reverse=True)


def _check_metadata(text: str, name: str, version: Version) -> None:
    message = email.parser.Parser().parsestr(text, headersonly=True)
    found_name = canonicalize_name(message.get("Name", ""))
    found_version = Version(message.get("Version", "0"))
    if found_name != canonicalize_name(name) or found_version != version:
        raise ValueError(f"metadata names {found_name} {found_version}, not {name} {version}")


def _fetch_metadata(page_url: str, entry: Mapping[str, Any], name: str, version: Version) -> str:
    data, _ = _get(urllib.parse.urljoin(page_url, entry["url"]) + ".metadata", "*/*")
    text = data.decode("utf-8")
    _check_metadata(text, name, version)
    return text


def _release_with_metadata(
    page_url: str, name: str, candidates: Sequence[Release]
) -> tuple[Release, dict[str, str], list[str]] | None:
    """A recent release whose best wheel's metadata file the index has; that and the others'.

    The newest few are tried, then further back in growing steps (an index may lack the
    metadata of its newest files). Returns the release, its metadata files by file name and
    the file names whose metadata the index lacked.
    """
    for position in TRIED_POSITIONS:
        if position >= len(candidates):
            return None
        release = candidates[position]
        try:
            best = _fetch_metadata(page_url, release.best, name, release.version)
        except urllib.error.HTTPError as error:
            if error.code != 404:
                raise
            continue
        metadata = {release.best["filename"]: best}
        missing = []
        for entry in release.others:
            try:
                metadata[entry["filename"]] = _fetch_metadata(
                    page_url, entry, name, release.version
                )
            except urllib.error.HTTPError as error:
                if error.code != 404:
                    raise
                missing.append(entry["filename"])
        return release, metadata, missing
    return None


def capture_project(index: str, requested: str) -> dict[str, Any]:
    """One project's page, pin and metadata files."""
    page_url = body_url(index, requested)
    body, headers = _get(page_url, JSON_TYPE)
    if not headers.get("content-type", "").startswith(JSON_TYPE):
        raise ValueError(f"answered {headers.get('content-type')!r}, not a JSON page")
    text = body.decode("utf-8")
    assert text.encode("utf-8") == body  # the fixture gives these exact bytes back
    page = json.loads(text)
    candidates = pin_candidates(page)
    if not candidates:
        raise ValueError("no final release with a wheel for CPython 3.11 on Linux x86_64")
    chosen = _release_with_metadata(page_url, page["name"], candidates)
    if chosen is None:
        raise ValueError("no recent release with the metadata file of its wheel found")
    release, metadata, missing = chosen
    return {
        "name": canonicalize_name(page["name"]),
        "pin": str(release.version),
        "page": text,
        "headers": {k: headers[k] for k in KEPT_HEADERS if k in headers},
        "metadata": metadata,
        "metadata-missing": missing,
    }


def body_url(index: str, name: str) -> str:
    """The URL a project's page is asked at (file URLs on it are resolved against it)."""
    return f"{index.rstrip('/')}/{canonicalize_name(name)}/"


def capture(
    index: str, names: Iterable[str], workers: int
) -> tuple[list[dict[str, Any]], list[str]]:
    """Capture every project; return the captured ones and a line per project that failed."""
    captured: list[dict[str, Any]] = []
    failed: list[str] = []
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        futures = {pool.submit(capture_project, index, name): name for name in names}
        for future in concurrent.futures.as_completed(futures):
            name = futures[future]
            try:
                project = future.result()
            except (OSError, ValueError, KeyError, TypeError) as error:
                failed.append(f"{name}: {type(error).__name__}: {error}")
                print(f"  skipped {name}: {error}", file=sys.stderr, flush=True)
                continue
            captured.append(project)
            size = len(project["page"].encode())
            print(
                f"  {project['name']}=={project['pin']}: page {size / 1e6:.2f} MB, "
                f"{len(project['metadata'])} metadata file(s)",
                file=sys.stderr,
                flush=True,
            )
    # in the order of PROJECTS: the first N of the fixture always hold the large pages
    order = {canonicalize_name(name): number for number, name in enumerate(PROJECTS)}
    captured.sort(key=lambda p: order.get(p["name"], len(order)))
    return captured, failed


def main(argv: Sequence[str] | None = None) -> int:
    """Capture, write the fixture and the pins, and print a summary."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", default="https://pypi.org/simple/")
    parser.add_argument("--out", type=Path, default=FIXTURE)
    parser.add_argument("--pins", type=Path, default=PINS)
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--minimum", type=int, default=100, help="fail with fewer projects")
    options = parser.parse_args(argv)

    when = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    projects, failed = capture(options.index, PROJECTS, options.workers)
    if len(projects) < options.minimum:
        print(f"only {len(projects)} projects captured; nothing written", file=sys.stderr)
        return 1
    stamp = when.isoformat().replace("+00:00", "Z")
    document = {
        "format": 1,
        "captured": stamp,
        "index": options.index,
        "target": {"python": "3.11", "platform": f"manylinux_2_{MAX_GLIBC_MINOR}_x86_64"},
        "projects": projects,
    }
    options.out.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    packed = lzma.compress(raw, preset=9)
    options.out.write_bytes(packed)
    options.pins.write_text(
        f"# one pin per project of {options.out.name}, captured {stamp} from {options.index}\n"
        + "".join(f"{p['name']}=={p['pin']}\n" for p in projects)
    )
    pages = sum(len(p["page"].encode()) for p in projects)
    largest = sorted(projects, key=lambda p: -len(p["page"]))[:12]
    print(
        f"{len(projects)} projects, pages {pages / 1e6:.1f} MB, fixture {len(packed) / 1e6:.1f} MB"
    )
    print(
        "largest: "
        + ", ".join(f"{p['name']} {len(p['page'].encode()) / 1e6:.1f} MB" for p in largest)
    )
    for line in failed:
        print(f"skipped {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
