"""No module in bot/ grows past 400 lines (the sandbox Slack, a test double, is exempt):
a module that long does more than one thing and hides it."""

from __future__ import annotations

from pathlib import Path

import bot

ROOT = Path(bot.__file__).resolve().parent
LIMIT = 400
EXEMPT = (ROOT / "sandbox",)


def test_no_module_outside_the_sandbox_is_over_400_lines() -> None:
    sizes = {
        path: len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(ROOT.rglob("*.py"))
        if not any(path.is_relative_to(exempt) for exempt in EXEMPT)
    }
    assert len(sizes) > 50  # the walk really covered the package
    too_long = [f"{p.relative_to(ROOT.parent)}: {n}" for p, n in sizes.items() if n > LIMIT]
    assert too_long == [], f"split these modules (over {LIMIT} lines):\n" + "\n".join(too_long)
