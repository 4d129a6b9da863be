from shifttui.fakeagent.main import main

raise SystemExit(main())
