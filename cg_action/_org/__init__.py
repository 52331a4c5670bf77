"""The organisation view: many repositories' ``check --format json`` reports merged into one.

Reports are read as hostile input (``_load``), merged into coverage per repository and a
ranking of the packages the organisation most often lacks (``_merge``), and rendered as a
self-contained HTML page, a Markdown job summary or JSON (one module per format). The
``report`` command is the only caller.
"""
