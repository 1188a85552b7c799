#!/usr/bin/env python3
"""Fire a drill at a running marshal: the same as `marshal drill`, for cron jobs and game days.

.venv/bin/python scripts/fire_drill.py --source alertmanager --severity P1
"""

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main(["drill", *sys.argv[1:]]))
