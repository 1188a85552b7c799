"""Services and commands describe messages as views; no Block Kit is built under
bot/services/ or bot/commands/.

Block Kit belongs to the Slack adapter (bot/slack/blocks/). The scan below fails on a
slack_sdk / slack_bolt / bot.slack import in a service, on a dict literal or `type=`
keyword naming a Block Kit type, and on Block Kit JSON spelled inside a string.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import bot

ROOT = Path(bot.__file__).resolve().parent
SCANNED = (
    ROOT / "services",
    ROOT / "events",
    ROOT / "ports",
    ROOT / "domain",
    ROOT / "commands",
)
BLOCK_KIT_TYPES = frozenset(
    {
        "section",
        "actions",
        "button",
        "context",
        "divider",
        "header",
        "input",
        "image",
        "modal",
        "mrkdwn",
        "plain_text",
        "plain_text_input",
        "checkboxes",
        "static_select",
        "rich_text",
    }
)
FORBIDDEN_IMPORTS = ("slack_sdk", "slack_bolt", "bot.slack")
_JSON_TYPE = re.compile(r"""["']type["']\s*:\s*["'](\w+)["']""")


def block_kit_uses(source: str) -> list[tuple[int, str]]:
    """(line, what) for every Block Kit construction or Slack import in `source`."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            found += [
                (node.lineno, f"imports {n}") for n in names if n.startswith(FORBIDDEN_IMPORTS)
            ]
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                kind = _block_kit_type(value)
                if _is(key, "type") and kind:
                    found.append((node.lineno, f'{{"type": {kind!r}}}'))
        elif isinstance(node, ast.keyword):
            kind = _block_kit_type(node.value)
            if node.arg == "type" and kind:
                found.append((node.value.lineno, f"type={kind!r}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for spelled in _JSON_TYPE.findall(node.value):
                if spelled in BLOCK_KIT_TYPES:
                    found.append((node.lineno, f"JSON with type {spelled!r}"))
    return found


def _is(node: ast.expr | None, text: str) -> bool:
    return isinstance(node, ast.Constant) and node.value == text


def _block_kit_type(node: ast.expr | None) -> str | None:
    """The Block Kit type `node` spells, if it is a string constant naming one."""
    if isinstance(node, ast.Constant) and node.value in BLOCK_KIT_TYPES:
        return str(node.value)
    return None


def test_the_scanner_sees_every_form() -> None:
    source = (
        "from slack_sdk.models.blocks import SectionBlock\n"
        "import slack_bolt\n"
        "from bot.slack.blocks.render import render_message\n"
        "x = {'type': 'section', 'text': {'type': 'mrkdwn', 'text': 'hi'}}\n"
        "y = dict(type='button')\n"
        'z = \'{"type": "actions", "elements": []}\'\n'
        "fine = {'type': 'firing', 'kind': 'section'}\n"
    )
    assert sorted(line for line, _ in block_kit_uses(source)) == [1, 2, 3, 4, 4, 5, 6]


def test_no_block_kit_outside_the_slack_adapter() -> None:
    offenders = []
    scanned = 0
    for folder in SCANNED:
        for path in sorted(folder.rglob("*.py")):
            scanned += 1
            for line, what in block_kit_uses(path.read_text(encoding="utf-8")):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{line} {what}")
    assert scanned > 50  # the walk really covered the packages
    assert offenders == []
