from cg_action._cli import main

raise SystemExit(main())
