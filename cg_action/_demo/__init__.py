"""The demo: a SAMPLE index on 127.0.0.1 and an example project, for a first run.

It needs no credentials and no network.

Nothing here is real Chainguard content: the projects, versions and digests in
``sample_index.json`` are made up to show every verdict the tool gives.
"""
