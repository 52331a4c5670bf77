"""Rewrite index configuration to point at Chainguard, lint it for traps, and update lock hashes.

One module per configuration format (pip.conf, requirements, uv, Poetry, PDM, Pipfile) turns a
file's text into new text; ``_plan`` shows the change as a diff and writes it atomically;
``_lint`` finds configurations that silently bypass Chainguard or leak credentials;
``_hashes`` replaces the digests a lockfile records with those the Chainguard index serves.
"""
