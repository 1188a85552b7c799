"""`python -m bot` is the same as the `marshal` console script."""

from bot.cli import main

raise SystemExit(main())
