"""cg-action: tells which Python dependencies really come from Chainguard Libraries for Python.

The public surface is the command line (``python -m cg_action`` / ``cg-action``), the GitHub
Action and the pre-commit hooks; every module in this package is private.
"""

__version__ = "0.1.0"
