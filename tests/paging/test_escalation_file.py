"""The escalation file (DESIGN 3b): the documented example is valid; each kind of mistake
is one line naming where and what, from start-up and from `marshal escalation check`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from bot.domain.errors import ConfigurationError
from bot.domain.escalation import EscalationFileError, PageTarget, TargetKind, parse_policies
from bot.settings import Settings
from bot.wiring.paging import paging_rules

EXAMPLE = """
policies:
  standard:
    levels:
      - targets: ["pagerduty:R0UTINGKEYPRIMARY", "slack:S0ONCALL"]
        after: 5m          # next level if nobody acknowledged by then
      - targets: ["pagerduty:R0UTINGKEYLEAD"]
        after: 10m
    repeat: 0              # how many times to run the levels again
routes:                    # service or team -> policy
  checkout: standard
default: standard
"""


def _doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(EXAMPLE)
    doc.update(changes)
    return doc


def test_the_design_example_parses_into_levels_targets_and_routes() -> None:
    policies = parse_policies(yaml.safe_load(EXAMPLE))
    policy = policies.for_incident("Checkout", None)
    assert policy is not None and policy.name == "standard"
    assert [lvl.after_seconds for lvl in policy.levels] == [300, 600]
    assert policy.levels[0].targets == (
        PageTarget(TargetKind.PAGERDUTY, "R0UTINGKEYPRIMARY"),
        PageTarget(TargetKind.SLACK, "S0ONCALL"),
    )
    assert policies.for_incident("unknown", None) is policy  # the default
    assert (policy.step_count, policy.level_of(1), policy.cycle_of(1)) == (2, 2, 0)


def test_repeat_runs_the_levels_again() -> None:
    doc = _doc()
    doc["policies"]["standard"]["repeat"] = 2
    policy = parse_policies(doc).named("standard")
    assert policy is not None
    assert policy.step_count == 6
    assert [policy.level_of(s) for s in range(6)] == [1, 2, 1, 2, 1, 2]


def _level(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    doc["policies"]["standard"]["levels"][1].update(changes)
    return doc


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ("just a string", "the file must be a mapping"),
        (_doc(extra=1), "unknown key 'extra'"),
        (_doc(policies={}), "`policies` must map at least one policy"),
        (_doc(default="nope"), "`default` names 'nope', which is not a policy here"),
        (_doc(routes={"checkout": "gold"}), "route 'checkout' names 'gold'"),
        (
            _level(_doc(), after="10x"),
            "policy 'standard' level 2: `after`: '10x' is not a duration",
        ),
        (
            _level(_doc(), after="2d"),
            "policy 'standard' level 2: `after`: '2d' is too long: at most 1d",
        ),
        (_level(_doc(), targets=[]), "level 2: `targets` must be a list of at least one target"),
        (_level(_doc(), targets=["pager:X"]), "target 'pager:X' must start with one of pagerduty:"),
        (_level(_doc(), targets=["slack:alice"]), "a slack target is a user (U…/W…)"),
        (_level(_doc(), targets=["opsgenie:"]), "names no opsgenie address"),
        (_level(_doc(), targets=[42]), "every target is a string"),
        (_level(_doc(), after=None), "`after` is missing"),
    ],
)
def test_each_mistake_is_one_line_naming_where(doc: object, expected: str) -> None:
    with pytest.raises(EscalationFileError) as raised:
        parse_policies(doc)
    assert expected in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_bad_repeat_is_refused() -> None:
    doc = _doc()
    doc["policies"]["standard"]["repeat"] = 11
    with pytest.raises(EscalationFileError, match="`repeat` must be a whole number from 0 to 10"):
        parse_policies(doc)


def test_start_up_stops_on_a_bad_file_with_the_variable_and_path(tmp_path: Path) -> None:
    bad = tmp_path / "escalation.yaml"
    bad.write_text(EXAMPLE.replace("after: 10m", "after: soon"))
    settings = Settings(_env_file=None, marshal_escalation_file=bad)
    with pytest.raises(ConfigurationError) as raised:
        paging_rules(settings)
    assert str(raised.value).startswith(f"MARSHAL_ESCALATION_FILE: {bad}: policy 'standard'")


def test_escalation_check_validates_without_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(EXAMPLE)
    assert main(["escalation", "check", str(good)]) == 0
    out = capsys.readouterr().out
    assert "policy standard: [pagerduty:R0UTINGKEYPRIMARY, slack:S0ONCALL] after 5m" in out
    assert f"{good} is a valid escalation file" in out

    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.replace('"slack:S0ONCALL"', '"sms:+15550100"'))
    assert main(["escalation", "check", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"marshal: configuration error: MARSHAL_ESCALATION_FILE: {bad}: policy 'standard' "
        "level 1: target 'sms:+15550100' must start with one of pagerduty:, opsgenie:, "
        "grafana-oncall:, slack:"
    ]
