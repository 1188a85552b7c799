"""Channel names obey Slack's rules whatever the alert title, and keep the incident's id."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.ids import new_incident_id
from bot.services.war_room.channel_name import MAX_CHANNEL_NAME, channel_name, short_id, slugify

_SLACK_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")


def test_readable_name_from_id_and_title() -> None:
    name = channel_name("inc-0abcdefgh9xyz12", "Checkout: 5xx > 20%!  (EU)")
    assert name == "inc-9xyz12-checkout-5xx-20-eu"


def test_accents_fold_and_empty_title_leaves_the_id() -> None:
    assert slugify("Café Überlastung") == "cafe-uberlastung"
    assert channel_name("inc-0abcdefgh9xyz12", "!!!") == "inc-9xyz12"


def test_retries_after_name_taken_get_distinct_suffixes_within_the_limit() -> None:
    title = "x" * 200
    names = [channel_name("inc-0abcdefgh9xyz12", title, attempt=n) for n in range(4)]
    assert len(set(names)) == 4
    assert names[1].endswith("-2") and names[3].endswith("-4")
    assert all(len(n) <= MAX_CHANNEL_NAME for n in names)


@given(title=st.text(max_size=300), attempt=st.integers(min_value=0, max_value=99))
def test_any_title_gives_a_valid_slack_name_that_starts_with_the_short_id(
    title: str, attempt: int
) -> None:
    incident_id = new_incident_id()
    name = channel_name(incident_id, title, attempt=attempt)
    assert _SLACK_NAME.match(name), name
    assert name.startswith(f"inc-{short_id(incident_id)}")
