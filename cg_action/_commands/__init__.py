"""The subcommands of the command line, one module each.

Each module exposes ``NAME``, ``HELP``, ``configure(parser, env)`` and
``run(args, env, out, err) -> int``. Modules import only cheap things at top level: the
pre-commit hook and ``--help`` must start fast.
"""
