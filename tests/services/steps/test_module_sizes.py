"""The flows the StepRunner runs stay in small modules: none over 400 lines (the war-room
assembler was 542 before its steps became classes of their own)."""

from __future__ import annotations

from pathlib import Path

MAX_LINES = 400
PACKAGE = Path(__file__).resolve().parents[3] / "bot"


def test_no_step_flow_module_is_over_400_lines() -> None:
    folders = ("services/steps", "services/war_room", "services/resolution")
    modules = [path for folder in folders for path in (PACKAGE / folder).rglob("*.py")]
    assert len(modules) > 20  # the folders were found
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text().splitlines()) for p in modules}
    assert {name: lines for name, lines in sizes.items() if lines > MAX_LINES} == {}
