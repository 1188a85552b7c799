"""Directory from a YAML file (MARSHAL_DIRECTORY_FILE): `team-name: [email-or-user-id, ...]`.

Read once at start-up; a missing or malformed file stops start-up with an error naming
the variable, rather than opening war rooms with nobody invited.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bot.adapters.settings_file import load_yaml_setting
from bot.domain.errors import ConfigurationError

_VARIABLE = "MARSHAL_DIRECTORY_FILE"


class StaticFileDirectory:
    def __init__(self, teams: Mapping[str, list[str]]) -> None:
        self._teams = {name.strip().lower(): list(members) for name, members in teams.items()}

    @classmethod
    def load(cls, path: Path) -> StaticFileDirectory:
        return cls(_validated(load_yaml_setting(path, _VARIABLE), path))

    def members(self, team: str) -> list[str]:
        return list(self._teams.get(team.strip().lower(), []))

    @property
    def teams(self) -> list[str]:
        return sorted(self._teams)


def _validated(data: object, path: Path) -> dict[str, list[str]]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"{_VARIABLE}: {path} must map team names to lists of emails or Slack user ids"
        )
    teams: dict[str, list[str]] = {}
    for team, members in data.items():
        if not isinstance(members, list) or not all(
            isinstance(m, str) and m.strip() for m in members
        ):
            raise ConfigurationError(
                f"{_VARIABLE}: team {team!r} in {path} must be a list of emails or Slack user ids"
            )
        teams[str(team)] = [m.strip() for m in members]
    return teams
