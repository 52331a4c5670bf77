"""Reader of pip requirements files, including the ones pip-compile writes.

The reading follows pip's own rules (``pip install -r``), so that what cg-action checks is what
pip would install. One module per role:

* ``_lexer``: logical lines (continuations, comments) and the options of a line, in time
  linear in the text, whatever it holds;
* ``_reader``: what each line is (requirement, editable, include, option) and the
  ``SourceFile`` the lines make; ``parse_requirements`` is the entry point;
* ``_variables``: ``${VAR}``, expanded only in URLs, paths and include values, and never from
  a variable that may hold a credential;
* ``_names``: the project a bare URL or path stands for (``#egg=``, a file name, the local
  source tree's declared name);
* ``_includes``: ``-r``/``-c`` files, read once each, only inside the repository;
* ``_annotations``: ``--hash`` values, ``# cg-action: ignore[...] reason`` comments and
  pip-compile's ``# via`` annotations (its output is ``FileFormat.PIP_COMPILE``: every
  dependency has ``is_locked=True`` and its parents as ``via:<parent>`` groups);
* ``_files``: questions about local paths that never raise.

A PEP 508 requirement becomes a ``Dependency`` as in every manifest (``_sources._pep508``).
"""

from cg_action._sources._requirements._includes import MAX_INCLUDE_DEPTH
from cg_action._sources._requirements._reader import (
    MAX_PROBLEMS,
    MAX_REQUIREMENTS,
    parse_requirements,
)

__all__ = ["MAX_INCLUDE_DEPTH", "MAX_PROBLEMS", "MAX_REQUIREMENTS", "parse_requirements"]
