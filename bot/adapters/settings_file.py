"""Reading a YAML file that a setting names (directory, context snapshot sources).

Any failure is a ConfigurationError whose one line names the variable, so start-up stops
with something the operator can act on.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.domain.errors import ConfigurationError


def load_yaml_setting(path: Path, variable: str) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{variable}: cannot read {path} ({exc.strerror or exc})") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = str(exc).replace("\n", " ")
        raise ConfigurationError(f"{variable}: {path} is not valid YAML ({problem})") from exc
