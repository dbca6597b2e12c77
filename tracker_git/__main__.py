from tracker_git.cli import main

raise SystemExit(main())
