from shifttui.cli import main

raise SystemExit(main())
