"""The subcommands of the command line, one module each.

Each module exposes ``configure(parser, env)`` and ``run(args, env, out, err) -> int``; their
names and help texts are ``_cli.COMMANDS``. Modules import only cheap things at top level: the
pre-commit hook and ``--help`` must start fast.
"""
