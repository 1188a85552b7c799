"""Reading the runbook catalog file (MARSHAL_RUNBOOK_FILE) into a validated RunbookCatalog.

Any problem is a ConfigurationError with one line naming the variable (start-up) or the
file (`marshal runbook check FILE`), and the runbook and field at fault.
"""

from __future__ import annotations

from pathlib import Path

from bot.domain.errors import ConfigurationError
from bot.domain.runbooks import RunbookCatalog, RunbookCatalogError, parse_catalog

VARIABLE = "MARSHAL_RUNBOOK_FILE"


def load_runbook_catalog(path: Path | None, *, variable: str = VARIABLE) -> RunbookCatalog:
    """The catalog at `path`; an empty catalog when no file is configured."""
    if path is None:
        return RunbookCatalog()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{variable}: cannot read {path} ({exc.strerror or exc})") from exc
    try:
        return parse_catalog(text, source=f"{variable} {path}" if variable else str(path))
    except RunbookCatalogError as exc:
        raise ConfigurationError(str(exc)) from exc
