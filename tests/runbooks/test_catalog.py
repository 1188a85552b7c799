"""The runbook catalog: validation with one line naming the problem, parameters, scopes,
the reason rule, and `marshal runbook check FILE`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.runbooks import ActionKind, RunbookCatalogError, RunbookInputError, parse_catalog
from tests.runbooks.catalog_files import http_catalog

GOOD = http_catalog("http://127.0.0.1:9")


def test_a_good_catalog_parses() -> None:
    catalog = parse_catalog(GOOD)
    restart = catalog.get("restart-checkout")
    assert restart.action.kind is ActionKind.HTTP
    assert restart.parameters({}) == {"cluster": "prod", "batch": 2}
    assert restart.scope(restart.parameters({"cluster": "eu"})) == "service:checkout:eu"
    assert [r.key for r in catalog.for_service("checkout")] == ["restart-checkout"]
    assert [r.key for r in catalog.for_service("search")] == ["flush-search"]
    flush = catalog.get("flush-search")
    assert not flush.reason_required.requires(100)
    assert flush.reason_required.requires(101)


def test_ssm_action_parses() -> None:
    catalog = parse_catalog(
        """
runbooks:
  patch:
    title: Patch
    action:
      aws-ssm: {document: AWS-RunShellScript, targets: [i-1], parameters: {commands: [uptime]}}
    lock: fleet
"""
    )
    assert catalog.get("patch").action.kind is ActionKind.AWS_SSM


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("runbooks: [1, 2]", "`runbooks:` mapping"),
        ("runbooks: {Bad Key: {}}", "runbook key 'Bad Key'"),
        ("runbooks: {a: {title: A, lock: x, action: {}}}", "runbook a.action: name exactly one"),
        (
            "runbooks: {a: {title: A, action: {http: {preview: {url: 'x'}, execute: {url: 'y'}}},"
            " lock: x}}",
            "runbook a.action.http.preview.url",
        ),
        (
            "runbooks: {a: {title: A, lock: 's:{zone}', action: {aws-ssm: {document: D,"
            " targets: [i-1]}}}}",
            "lock names {zone}",
        ),
        (
            "runbooks: {a: {title: A, lock: s, reason_required: sometimes, action: {aws-ssm:"
            " {document: D, targets: [i-1]}}}}",
            "reason_required must be",
        ),
        (
            "runbooks: {a: {title: A, lock: s, params: {n: {type: integer, default: x}},"
            " action: {aws-ssm: {document: D, targets: [i-1]}}}}",
            "parameter n must be integer",
        ),
        (
            "runbooks: {a: {title: A, lock: s, colour: red, action: {aws-ssm: {document: D,"
            " targets: [i-1]}}}}",
            "runbook a.colour",
        ),
        ("runbooks: {a: [}", "not valid YAML"),
    ],
)
def test_a_bad_catalog_names_the_problem_in_one_line(text: str, names: str) -> None:
    with pytest.raises(RunbookCatalogError) as error:
        parse_catalog(text)
    assert names in str(error.value)
    assert "\n" not in str(error.value)


def test_parameters_are_typed_and_checked() -> None:
    restart = parse_catalog(GOOD).get("restart-checkout")
    assert restart.parameters({"batch": "5"})["batch"] == 5
    with pytest.raises(RunbookInputError, match="batch must be integer"):
        restart.parameters({"batch": "five"})
    with pytest.raises(RunbookInputError, match="unknown parameter zone"):
        restart.parameters({"zone": "a"})
    with pytest.raises(RunbookInputError, match="no runbook 'nope'"):
        parse_catalog(GOOD).get("nope")


def test_runbook_check_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    assert main(["runbook", "check", str(good)]) == 0
    out = capsys.readouterr().out
    assert "ok: 2 runbook(s)" in out
    assert "restart-checkout: http, lock service:checkout:{cluster}, checkout" in out

    bad = tmp_path / "bad.yaml"
    bad.write_text("runbooks: {a: {title: A, lock: x, action: {}}}")
    assert main(["runbook", "check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "runbook a.action" in out and str(bad) in out
    assert main(["runbook", "check", str(tmp_path / "missing.yaml")]) == 1
    assert "cannot read" in capsys.readouterr().out
