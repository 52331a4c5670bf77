"""Run pip-compile and pip against a local index, offline, and read what pip would install.

``offline_env`` is the base of every tool run in the tests: caches and configuration in a
temporary folder, and HTTP(S) proxies pointed at a closed port on 127.0.0.1 so that any
attempt to reach the internet fails at once instead of silently succeeding. Local indexes
on 127.0.0.1 are exempt through ``NO_PROXY``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from packaging.utils import canonicalize_name

from tests._servers import free_port

_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR", "PYENV_ROOT", "PYENV_VERSION")


def offline_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A minimal environment for a packaging tool: isolated caches, no way to the internet."""
    home.mkdir(parents=True, exist_ok=True)
    closed = f"http://127.0.0.1:{free_port()}"
    env = {key: os.environ[key] for key in _KEEP if key in os.environ}
    env.update(
        {
            "HOME": str(home),
            "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_DATA_HOME": str(home / "data"),
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_CACHE_DIR": str(home / "pip-cache"),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
            "HTTP_PROXY": closed,
            "HTTPS_PROXY": closed,
            "http_proxy": closed,
            "https_proxy": closed,
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.update(extra or {})
    return env


def run(command: Sequence[str], cwd: Path, env: Mapping[str, str]) -> str:
    """Run a tool; on failure raise with its whole output, which says why."""
    result = subprocess.run(
        list(command),
        check=False,
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=240,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def pip_compile(
    project: Path,
    index_url: str,
    requirements: Sequence[str],
    *,
    home: Path,
    emit_index_url: bool = True,
    output: str = "requirements.txt",
) -> Path:
    """Write ``requirements.in`` and compile it with hashes against ``index_url`` only."""
    project.mkdir(parents=True, exist_ok=True)
    (project / "requirements.in").write_text("\n".join(requirements) + "\n")
    command = [
        sys.executable,
        "-m",
        "piptools",
        "compile",
        "--generate-hashes",
        "--index-url",
        index_url,
        "--output-file",
        output,
        "--quiet",
    ]
    if not emit_index_url:
        command.append("--no-emit-index-url")
    command.append("requirements.in")
    run(command, project, offline_env(home))
    return project / output


def pip_report(project: Path, index_url: str, requirements: Path, *, home: Path) -> dict[str, str]:
    """What ``pip install --dry-run --report`` would install: normalized name -> version."""
    report = project / "pip-report.json"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--index-url",
            index_url,
            "--report",
            str(report),
            "-r",
            str(requirements),
        ],
        project,
        offline_env(home),
    )
    data = json.loads(report.read_text())
    return {
        canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"]
        for item in data["install"]
    }


def make_demo_packages(root: Path) -> Path:
    """The small set of distributions every tool test locks against; returns ``root``.

    alpha 1.0.0 (wheel and sdist, needs beta>=2), beta 2.1.0, gamma-pkg 0.3.0 (needs beta
    on Python >= 3.8), devtool 5.0.0; each a real wheel from tests/_wheels.py.
    """
    from tests._wheels import make_sdist, make_wheel

    make_wheel(root, "alpha", "1.0.0", requires=["beta>=2"])
    make_sdist(root, "alpha", "1.0.0", requires=["beta>=2"])
    make_wheel(root, "beta", "2.1.0")
    make_wheel(root, "gamma-pkg", "0.3.0", requires=['beta; python_version >= "3.8"'])
    make_wheel(root, "devtool", "5.0.0")
    return root


DEMO_REQUIREMENTS = ("alpha==1.0.0", "gamma-pkg>=0.3; sys_platform != 'win32'", "devtool")


def _main(argv: Sequence[str]) -> int:
    """Regenerate tests/data/locks/pip-compile/ (``python -m tests.lockgen._pip_compile DIR``)."""
    import shutil
    import tempfile

    from tests._servers import pypiserver

    dest = Path(argv[0])
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        with pypiserver(make_demo_packages(base / "packages")) as index:
            for name, emit in (("with-index-url", True), ("no-emit-index-url", False)):
                out = pip_compile(
                    base / name,
                    index.url,
                    DEMO_REQUIREMENTS,
                    home=base / "home",
                    emit_index_url=emit,
                )
                (dest / name).mkdir(parents=True, exist_ok=True)
                shutil.copy(base / name / "requirements.in", dest / name / "requirements.in")
                shutil.copy(out, dest / name / "requirements.txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
