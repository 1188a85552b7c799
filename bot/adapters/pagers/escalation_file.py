"""Reading MARSHAL_ESCALATION_FILE: YAML in, validated EscalationPolicies out, or one
ConfigurationError line naming the variable, the file and the problem (start-up stops)."""

from __future__ import annotations

from pathlib import Path

from bot.adapters.settings_file import load_yaml_setting
from bot.domain.escalation import EscalationFileError, EscalationPolicies, parse_policies

VARIABLE = "MARSHAL_ESCALATION_FILE"


def load_escalation_file(path: Path) -> EscalationPolicies:
    data = load_yaml_setting(path, VARIABLE)
    try:
        return parse_policies(data)
    except EscalationFileError as exc:
        raise EscalationFileError(f"{VARIABLE}: {path}: {exc}") from None
