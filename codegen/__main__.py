from codegen.gen import main

raise SystemExit(main())
