"""`marshal ops preflight|start|list|show` against the fake target on a SQLite file: the
same tokens, idempotency and audit as Slack."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.runbooks.catalog_files import http_catalog
from tests.runbooks.target import FakeTarget


@pytest.fixture
def cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: FakeTarget
) -> Iterator[FakeTarget]:
    catalog = tmp_path / "runbooks.yaml"
    catalog.write_text(http_catalog(target.url, reason="always"))
    monkeypatch.setenv("MARSHAL_DB_PATH", str(tmp_path / "marshal.db"))
    monkeypatch.setenv("MARSHAL_RUNBOOK_FILE", str(catalog))
    yield target


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    out = capsys.readouterr().out
    found: dict[str, object] = json.loads(out[out.index("{") :])
    return found


def test_preflight_start_list_show(cli: FakeTarget, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ops", "preflight", "restart-checkout", "cluster=eu"]) == 1
    assert "needs a reason" in capsys.readouterr().err

    args = ["ops", "preflight", "restart-checkout", "cluster=eu", "--reason-code", "SUPPORT"]
    assert main([*args, "--reason", "ticket 42", "--json"]) == 0
    preview = _json(capsys)
    assert preview["count"] == 3 and preview["scope"] == "service:checkout:eu"
    token = str(preview["token"])

    start = ["ops", "start", "restart-checkout", "--preview-token", token]
    assert main([*start, "--idempotency-key", "op-1", "--json"]) == 0
    run = _json(capsys)
    assert run["outcome"] == "succeeded" and run["status"] == "completed"
    assert run["reason"] == {"code": "SUPPORT", "text": "ticket 42"}
    assert "preview_token" not in run

    assert main([*start, "--idempotency-key", "op-1"]) == 0  # a retried start: the first run
    out = capsys.readouterr().out
    assert "not run again" in out and str(run["id"]) in out
    assert len(cli.executes()) == 1
    assert main([*start, "--idempotency-key", "op-2"]) == 1
    assert "confirmed already" in capsys.readouterr().err

    assert main(["ops", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in listed] == [run["id"]]
    assert main(["ops", "list"]) == 0
    assert "succeeded" in capsys.readouterr().out
    assert main(["ops", "show", str(run["id"])]) == 0
    assert "service:checkout:eu" in capsys.readouterr().out
    assert main(["ops", "show", "run-nope"]) == 1


def test_start_refuses_a_mismatched_key_and_bad_input(
    cli: FakeTarget, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["ops", "preflight", "restart-checkout", "--reason-code", "INCIDENT", "--json"]) == 0
    )
    token = str(_json(capsys)["token"])
    assert (
        main(["ops", "start", "flush-search", "--preview-token", token, "--idempotency-key", "k"])
        == 2
    )
    assert "not flush-search" in capsys.readouterr().out
    assert main(["ops", "preflight", "restart-checkout", "oops"]) == 2
    assert main(["ops", "preflight", "nope", "--reason-code", "INCIDENT"]) == 1
    assert "no runbook 'nope'" in capsys.readouterr().err
    assert cli.executes() == []


def test_the_printed_confirm_command_runs_as_printed(
    cli: FakeTarget, capsys: pytest.CaptureFixture[str]
) -> None:
    """Preview tokens are URL-safe base64, which may start with '-': the token is prefixed and
    the printed command binds it with '=', so copying the line never meets argparse's
    "expected one argument"."""
    preflight = ["ops", "preflight", "restart-checkout", "cluster=eu", "--reason-code", "SUPPORT"]
    assert main([*preflight, "--reason", "ticket 43"]) == 0
    [confirm] = [line for line in capsys.readouterr().out.splitlines() if "confirm:" in line]
    printed = shlex.split(confirm.split("marshal", 1)[1].replace("<your key>", "op-printed"))
    token = next(a for a in printed if a.startswith("--preview-token="))
    assert token.removeprefix("--preview-token=").startswith("pv_")

    assert main([*printed, "--reason-code", "SUPPORT", "--reason", "ticket 43", "--json"]) == 0
    assert _json(capsys)["outcome"] == "succeeded"
