"""Re-lock a pip-compile output against the Chainguard index (``update-hashes --relock``).

Editing digests keeps every version; re-locking asks pip-compile (``python -m piptools
compile``, in the interpreter cg-action runs in) to resolve the same inputs again against the
Chainguard index, so the digests, and versions Chainguard lacks, come from there. The inputs
and options are the ones of the command line pip-compile wrote into the file's header; when
the header has none, the files named in ``# via -r <file>`` annotations are the inputs.

* The current output, without its digests, is copied beside the target and given to
  pip-compile as its output file, so the versions it pins are kept where the index serves them.
* ``--generate-hashes`` is added when the file had ``--hash`` options; ``--no-emit-index-url``
  always, and the header's own ``--index-url`` / ``--extra-index-url`` are dropped.
* The index, credentials included, reaches pip only through ``PIP_INDEX_URL`` in the child's
  environment (never its command line); pip-compile's header keeps the user's command line
  (``CUSTOM_COMPILE_COMMAND``). Anything pip-compile prints is shown without user-info.
"""

from __future__ import annotations

import logging
import re
import shlex
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from cg_action._errors import RewriteError
from cg_action._models import IndexConfig
from cg_action._rewrite._plan import FilePlan, read_config
from cg_action._urls import redact_text

logger = logging.getLogger(__name__)

_DROPPED_OPTIONS = (
    "--output-file",
    "--index-url",
    "--extra-index-url",
    "--emit-index-url",
    "--no-emit-index-url",
    "--no-index",
    "--upgrade",
    "-U",
)
_VIA_FILE = re.compile(r"^\s*#\s+(?:via\s+)?-r\s+(\S+)\s*$")
_TIMEOUT = 900.0


def compile_command(text: str) -> list[str] | None:
    """The pip-compile command line the header records (None: no pip-compile header)."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if "by the following command" not in line:
            continue
        for later in lines[number + 1 : number + 4]:
            command = later.lstrip("#").strip()
            if not command:
                continue
            try:
                words = shlex.split(command)
            except ValueError:
                return None
            if words and words[0].endswith("pip-compile"):
                return words
            return None
    return None


def relock_arguments(text: str) -> tuple[list[str], list[str]]:
    """(options, input files) to give pip-compile for this output's text."""
    options: list[str] = []
    inputs: list[str] = []
    command = compile_command(text)
    if command is not None:
        for word in command[1:]:
            if word.startswith("-"):
                if word.split("=", 1)[0] not in _DROPPED_OPTIONS:
                    options.append(word)
            else:
                inputs.append(word)
    if not inputs:
        for line in text.split("\n"):
            match = _VIA_FILE.match(line)
            if match and match.group(1) not in inputs:
                inputs.append(match.group(1))
    if "--hash=" in text and "--generate-hashes" not in options:
        options.insert(0, "--generate-hashes")
    return options, inputs


_HASH_OPTION = re.compile(r"\s--hash[=\s]\s*\S+")


def without_hashes(text: str) -> str:
    """The output with its ``--hash`` options taken out (pins and comments kept).

    pip-compile prefers the versions its output file already pins, but also insists on the
    digests recorded there; the old digests are the ones to be replaced.
    """
    out: list[str] = []
    pending = ""
    for line in text.split("\n"):
        if line.rstrip().endswith("\\"):
            pending += " " + line.rstrip()[:-1]
            continue
        logical = _HASH_OPTION.sub("", pending + " " + line) if pending else line
        out.append(logical.strip() if pending else logical)
        pending = ""
    if pending:
        out.append(_HASH_OPTION.sub("", pending).strip())
    return "\n".join(out)


def index_url_with_credentials(index: IndexConfig) -> str:
    """The index URL for pip, with the credentials inside it (``/`` in a username as ``_``)."""
    if index.credentials is None:
        return index.url
    parts = urlsplit(index.url)
    user = quote(index.credentials.username.replace("/", "_"), safe="")
    password = quote(index.credentials.password, safe="")
    return urlunsplit(
        (parts.scheme, f"{user}:{password}@{parts.netloc}", parts.path, parts.query, "")
    )


def relock(path: Path, index: IndexConfig, *, env: Mapping[str, str]) -> FilePlan:
    """Run pip-compile for ``path`` against ``index``; the plan to write its new output."""
    source = read_config(path)
    options, inputs = relock_arguments(source.text)
    if not inputs:
        raise RewriteError(
            f"{path}: cannot tell which input files it was compiled from: the header has no "
            "pip-compile command and no '# via -r' annotation names one; run pip-compile by hand"
        )
    directory = path.parent
    missing = [name for name in inputs if not (directory / name).is_file()]
    if missing:
        raise RewriteError(
            f"{path}: the input file(s) {', '.join(missing)} named in it do not exist "
            f"beside it in {directory}; run pip-compile by hand"
        )
    temp = directory / f".{path.name}.relock.tmp"
    temp.write_text(without_hashes(source.text), encoding="utf-8")
    header = compile_command(source.text)
    shown = (
        shlex.join(header)
        if header is not None
        else shlex.join(["pip-compile", *options, f"--output-file={path.name}", *inputs])
    )
    child = {k: v for k, v in env.items() if k not in ("PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX")}
    secret_url = index_url_with_credentials(index)
    child.update(PIP_INDEX_URL=secret_url, CUSTOM_COMPILE_COMMAND=shown)
    if index.credentials is None and index.use_netrc and index.netrc_path is not None:
        child["NETRC"] = str(index.netrc_path)
    command = [
        sys.executable,
        *("-m", "piptools", "compile", "--quiet", "--no-emit-index-url"),
        *options,
        f"--output-file={temp.name}",
        *inputs,
    ]
    logger.info("running %s", shlex.join(command))
    try:
        done = subprocess.run(
            command,
            cwd=directory,
            env=child,
            capture_output=True,
            text=True,
            check=False,
            timeout=_TIMEOUT,
        )
        new_text = temp.read_text(encoding="utf-8") if done.returncode == 0 else ""
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RewriteError(f"{path}: pip-compile could not run: {_scrub(str(exc), index)}") from exc
    finally:
        temp.unlink(missing_ok=True)
    if done.returncode != 0:
        output = _scrub((done.stdout + done.stderr).strip(), index)
        raise RewriteError(f"{path}: pip-compile failed ({done.returncode}):\n{output}")
    if new_text.startswith("\ufeff"):
        new_text = new_text[1:]
    return FilePlan(source=source, new_text=new_text.replace("\r\n", "\n"))


def _scrub(text: str, index: IndexConfig) -> str:
    """Tool output without user-info in URLs and without the password anywhere."""
    text = redact_text(text)
    if index.credentials is not None and index.credentials.password:
        for form in {index.credentials.password, quote(index.credentials.password, safe="")}:
            text = text.replace(form, "***")
    return text
