"""``python -m cg_action`` and the ``cg-action`` script."""

from __future__ import annotations

import gc

# A run is short and makes few reference cycles, but it allocates many objects while it imports
# and reads pages: at the default threshold (700) the collector ran ~35 times (about 7 ms) just
# while a check of 50 pins imported its modules. Collect after 50,000 allocations instead.
_GC_THRESHOLD = 50_000


def run() -> int:
    """Run the command line (``cg_action._cli.main``) with the collector tuned for a short run."""
    gc.set_threshold(_GC_THRESHOLD, *gc.get_threshold()[1:])
    from cg_action._cli import main

    return main()


if __name__ == "__main__":
    raise SystemExit(run())
