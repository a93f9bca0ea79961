from albumgen_desktop.cli import main

raise SystemExit(main())
