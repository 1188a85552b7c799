"""The YAML directory: teams by name, and a start-up error naming MARSHAL_DIRECTORY_FILE."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.directory.static_file import StaticFileDirectory
from bot.domain.errors import ConfigurationError


def test_members_by_team_name_case_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "directory.yaml"
    path.write_text("payments: [ann@example.com, U0ABC]\nCheckout:\n  - W0XYZ\n")
    directory = StaticFileDirectory.load(path)
    assert directory.members("payments") == ["ann@example.com", "U0ABC"]
    assert directory.members("checkout") == ["W0XYZ"]
    assert directory.members("nobody") == []


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        (None, "cannot read"),
        ("payments: [ann@example.com", "not valid YAML"),
        ("- just a list", "must map team names"),
        ("payments: ann@example.com", "must be a list"),
    ],
)
def test_missing_or_invalid_file_names_the_variable(
    tmp_path: Path, content: str | None, complaint: str
) -> None:
    path = tmp_path / "directory.yaml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigurationError, match=f"MARSHAL_DIRECTORY_FILE: .*{complaint}"):
        StaticFileDirectory.load(path)
