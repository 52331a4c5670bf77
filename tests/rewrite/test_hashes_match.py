"""update-hashes without a server: which files a lock gets, and how its text changes.

Index answers are made by hand (``tests.rewrite._answers``); the uv.lock texts are small
copies of what uv writes.
"""

from __future__ import annotations

from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import Version

from cg_action._models import Dependency, DependencyKind, Hash, Location
from cg_action._rewrite._hashes import FileSizes, update_requirements, update_uv_lock
from cg_action._rewrite._hashes_entries import format_time
from cg_action._rewrite._hashes_match import Locked, plan_release, scope
from tests.rewrite._answers import INDEX, found

LOCK = Path("uv.lock")
PYPI = "https://pypi.org/simple"
FILES = "https://files.pythonhosted.org/packages/ab/cd"
A, B, C = "a" * 64, "b" * 64, "c" * 64


def uv_lock(*packages: str, requires: str = ">=3.10") -> str:
    return f'version = 1\nrevision = 3\nrequires-python = "{requires}"\n' + "".join(packages)


def package(name: str, wheels: dict[str, str], *, registry: str = PYPI, extra: str = "") -> str:
    rows = "".join(
        f'    {{ url = "{FILES}/{filename}", hash = "sha256:{digest}", size = 100, '
        f'upload-time = "2025-01-02T03:04:05.678Z" }},\n'
        for filename, digest in wheels.items()
    )
    return (
        f'\n[[package]]\nname = "{name}"\nversion = "1.0"\n'
        f'source = {{ registry = "{registry}" }}\n{extra}wheels = [\n{rows}]\n'
    )


def test_served_digests_leave_the_lock_and_its_registry_spelling_alone() -> None:
    text = uv_lock(package("alpha", {"alpha-1.0-py3-none-any.whl": A}))
    answers = {canonicalize_name("alpha"): found("alpha", {"alpha-1.0-py3-none-any.whl": A})}
    update = update_uv_lock(text, LOCK, answers, PYPI + "/")
    assert update.text == text
    assert update.updated == []


def test_a_moved_package_takes_the_registry_as_the_lock_spells_it_and_references_follow() -> None:
    text = uv_lock(
        package("alpha", {"alpha-1.0-py3-none-any.whl": A}),
        package(
            "beta",
            {"beta-1.0-py3-none-any.whl": B},
            registry="https://libraries.cgr.dev/python/simple",
            extra='dependencies = [\n    { name = "alpha", source = { registry = "'
            + PYPI
            + '" } },\n]\n',
        ),
    )
    answers = {
        canonicalize_name("alpha"): found("alpha", {"alpha-1.0-py3-none-any.whl": C}),
        canonicalize_name("beta"): found("beta", {"beta-1.0-py3-none-any.whl": B}),
    }
    update = update_uv_lock(text, LOCK, answers, INDEX, sizes=FileSizes(asked={}))
    assert update.updated == ["alpha==1.0"]
    assert update.text.count('registry = "https://libraries.cgr.dev/python/simple" }') == 3
    assert f'hash = "sha256:{C}", upload-time' in update.text  # the unknown size went
    assert PYPI + '"' not in update.text


def test_sizes_come_from_the_index_answer_or_are_asked_for() -> None:
    text = uv_lock(package("alpha", {"alpha-1.0-py3-none-any.whl": A}))
    answers = {canonicalize_name("alpha"): found("alpha", {"alpha-1.0-py3-none-any.whl": C})}
    new_url = "https://libraries.cgr.dev/python/files/alpha-1.0-py3-none-any.whl"
    first = update_uv_lock(text, LOCK, answers, INDEX)
    assert first.sizes_wanted == [new_url]
    told = update_uv_lock(text, LOCK, answers, INDEX, sizes=FileSizes(asked={new_url: 4321}))
    assert told.sizes_wanted == []
    assert f'hash = "sha256:{C}", size = 4321, upload-time = "2025-01-02T03:04:05.678Z" }}' in (
        told.text
    )


def test_a_package_the_lock_keeps_for_windows_does_not_take_linux_builds() -> None:
    """uv locks only the Windows wheels of a package needed on Windows alone."""
    root = (
        '\n[[package]]\nname = "p"\nversion = "0"\nsource = { virtual = "." }\n'
        'dependencies = [\n    { name = "winonly", marker = "sys_platform == \'win32\'" },\n]\n'
    )
    text = uv_lock(
        package("winonly", {"winonly-1.0-cp312-cp312-win_amd64.whl": A}), root, requires=">=3.12"
    )
    linux = {"winonly-1.0-cp312-cp312-manylinux_2_28_x86_64.whl": C}
    answers = {canonicalize_name("winonly"): found("winonly", linux)}
    update = update_uv_lock(text, LOCK, answers, INDEX)
    assert update.text == text
    assert update.left == [
        "winonly==1.0: none of Chainguard's files of this version fits the lock's Pythons and "
        "platforms (left as it is)"
    ]


def test_native_builds_replace_compound_tags_and_the_lacking_platforms_are_listed() -> None:
    pypi = {
        f"m-1.0-cp312-cp312-{platform}.whl": digest
        for platform, digest in (
            ("manylinux2014_x86_64.manylinux_2_17_x86_64", A),
            ("macosx_11_0_arm64", B),
        )
    }
    text = uv_lock(package("m", pypi), requires=">=3.12")
    chainguard = {
        "m-1.0-cp312-cp312-manylinux_2_28_x86_64.whl": C,
        "m-1.0-cp312-cp312-manylinux_2_28_aarch64.whl": "d" * 64,
        "m-1.0-cp39-cp39-manylinux_2_28_x86_64.whl": "e" * 64,  # outside requires-python
    }
    answers = {canonicalize_name("m"): found("m", chainguard)}
    update = update_uv_lock(text, LOCK, answers, INDEX, sizes=FileSizes(asked={}))
    wheels = [line for line in update.text.splitlines() if line.startswith("    { url")]
    assert [w.split("/")[-1].split('"')[0] for w in wheels] == [
        "m-1.0-cp312-cp312-manylinux_2_28_aarch64.whl",
        "m-1.0-cp312-cp312-manylinux_2_28_x86_64.whl",
    ]
    assert update.notes == [
        "m==1.0: Chainguard has no wheel for macos-arm64 (3.12), which the lock had (there it "
        "cannot install from this lock)"
    ]


def test_pairing_prefers_digest_then_file_then_slot() -> None:
    from cg_action._models import IndexFile

    def index_file(name: str, digest: str) -> IndexFile:
        return IndexFile(
            filename=name,
            url=f"https://x/{name}",
            version=Version("1.0"),
            hashes=(Hash(algorithm="sha256", value=digest),),
        )

    locked = [
        Locked("m-1.0-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl", A),
        Locked("m-1.0-py3-none-any.whl", B),
        Locked("m-1.0.tar.gz", "f" * 64),
    ]
    served = [
        index_file("m-1.0-cp311-cp311-manylinux_2_28_x86_64.whl", C),
        index_file("m-1.0-py3-none-any.whl", B),
        index_file("m-1.0.tar.gz", "9" * 64),
    ]
    plan = plan_release(locked, served, scope(">=3.10"))
    assert sorted((f.filename, i) for f, i in plan.files) == [
        ("m-1.0-cp311-cp311-manylinux_2_28_x86_64.whl", 0),
        ("m-1.0-py3-none-any.whl", 1),
        ("m-1.0.tar.gz", 2),
    ]
    assert plan.dropped == []


def dependency(line: int, hashes: list[str]) -> Dependency:
    return Dependency(
        name=canonicalize_name("alpha"),
        display_name="alpha",
        kind=DependencyKind.PINNED,
        version=Version("1.0"),
        hashes=tuple(Hash(algorithm="sha256", value=h) for h in hashes),
        location=Location(path=Path("requirements.txt"), line=line),
    )


def test_requirement_hashes_keep_their_lines_and_order() -> None:
    text = f"alpha==1.0 \\\n    --hash=sha256:{A} \\\n    --hash=sha256:{B}\n    # via x\n"
    served = {"alpha-1.0-py3-none-any.whl": A, "alpha-1.0.tar.gz": B}
    answers = {canonicalize_name("alpha"): found("alpha", served)}
    same = update_requirements(text, [dependency(1, [A, B])], answers, append=False)
    assert same.text == text
    assert same.updated == []

    replaced = {"alpha-1.0-py3-none-any.whl": C, "alpha-1.0.tar.gz": B}
    answers = {canonicalize_name("alpha"): found("alpha", replaced)}
    update = update_requirements(text, [dependency(1, [A, B])], answers, append=False)
    assert update.text == (
        f"alpha==1.0 \\\n    --hash=sha256:{B} \\\n    --hash=sha256:{C}\n    # via x\n"
    )
    appended = update_requirements(text, [dependency(1, [A, B])], answers, append=True)
    assert appended.text == (
        f"alpha==1.0 \\\n    --hash=sha256:{A} \\\n    --hash=sha256:{B} \\\n"
        f"    --hash=sha256:{C}\n    # via x\n"
    )


def test_upload_times_take_the_form_the_lock_uses() -> None:
    assert format_time("2025-03-04T05:06:07.891011Z", '"2024-01-01T00:00:00.000Z"') == (
        "2025-03-04T05:06:07.891Z"
    )
    assert format_time("2025-03-04T05:06:07.891011Z", "2024-01-01T00:00:00Z") == (
        "2025-03-04T05:06:07Z"
    )
    assert format_time("2025-03-04T05:06:07Z", '"2024-01-01T00:00:00.000000+00:00"') == (
        "2025-03-04T05:06:07.000000+00:00"
    )


def test_the_index_upload_time_replaces_the_recorded_one_in_the_lock_form() -> None:
    from dataclasses import replace
    from datetime import datetime, timezone

    text = uv_lock(package("alpha", {"alpha-1.0-py3-none-any.whl": A}))
    answer = found("alpha", {"alpha-1.0-py3-none-any.whl": C})
    uploaded = datetime(2026, 2, 3, 4, 5, 6, 789012, tzinfo=timezone.utc)
    files = tuple(replace(f, upload_time=uploaded) for f in answer.project.files)
    answers = {
        canonicalize_name("alpha"): replace(answer, project=replace(answer.project, files=files))
    }
    update = update_uv_lock(text, LOCK, answers, INDEX, sizes=FileSizes(asked={}))
    assert f'hash = "sha256:{C}", upload-time = "2026-02-03T04:05:06.789Z" }}' in update.text
