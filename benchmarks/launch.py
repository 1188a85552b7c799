"""Start one `marshal <part>` as a subprocess for a benchmark, the way an operator would.

The environment is the caller's minus every MARSHAL_/SLACK_ variable, plus a fresh database
under `tmp`, an ephemeral HTTP port and quiet logs, then `settings`. Returns once marshal says
it is running, with the process, the URL it listens on and the environment it got; its output
keeps being drained so it never blocks on a full pipe.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path


def launch(
    tmp: Path, part: str, **settings: str
) -> tuple[subprocess.Popen[str], str, dict[str, str]]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MARSHAL_", "SLACK_"))},
        "MARSHAL_DB_PATH": str(tmp / "marshal.db"),
        "MARSHAL_HTTP_PORT": "0",
        "MARSHAL_LOG_LEVEL": "WARNING",
        **settings,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", part],
        env=env,
        cwd=tmp,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    url = ""
    for line in process.stdout:
        if found := re.search(r"listening on (http://\S+)", line):
            url = found.group(1)
        if "is running" in line:
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return process, url, env
    raise SystemExit(f"marshal {part} did not start")
