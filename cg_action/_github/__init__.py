"""GitHub integration: the run's context, the pull-request comment and --only-changed.

Nothing here reads the process environment; ``_cli`` passes the values in.
"""
