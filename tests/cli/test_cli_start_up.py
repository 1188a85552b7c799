"""The command line starts light: `--help` and `--version` load no settings, SDK or wiring,
and a SQLite `incident list` never loads the AWS SDK or the LLM client. Measured in
BENCHMARKS.md; held here by what is imported, which does not depend on the machine's load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.cli.drill import SOURCES
from bot.ingest.catalog import CATALOG

HEAVY = ("boto3", "botocore", "anthropic", "slack_bolt", "slack_sdk", "uvicorn", "pydantic")


def _loaded_after(code: str, cwd: Path) -> list[str]:
    probe = (
        "import json, sys\n"
        f"{code}\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=cwd, check=True
    )
    loaded: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return loaded


def test_help_loads_no_sdk_settings_or_wiring(tmp_path: Path) -> None:
    code = "from bot.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    assert _loaded_after(code, tmp_path) == []


def test_incident_list_on_sqlite_loads_neither_the_aws_sdk_nor_the_llm_client(
    tmp_path: Path,
) -> None:
    code = (
        "import os\n"
        f"os.environ['MARSHAL_DB_PATH'] = {str(tmp_path / 'm.db')!r}\n"
        "from bot.cli import main\n"
        "assert main(['incident', 'list']) == 0"
    )
    loaded = _loaded_after(code, tmp_path)
    assert "boto3" not in loaded
    assert "botocore" not in loaded
    assert "anthropic" not in loaded


def test_the_drill_offers_every_webhook_source() -> None:
    assert sorted(SOURCES) == sorted(CATALOG)
