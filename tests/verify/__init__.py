"""Tests of ``verify``: SBOMs, RECORDs, distributions, range reads and the command."""
