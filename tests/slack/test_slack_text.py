"""bot/services/slack_text.py: escaping, clipping without tearing, and mentions built only
from ids."""

from __future__ import annotations

from bot.services import slack_text


def test_escape_turns_every_control_character_into_an_entity() -> None:
    assert slack_text.escape("<!channel> & <@U1|x> > y") == (
        "&lt;!channel&gt; &amp; &lt;@U1|x&gt; &gt; y"
    )
    assert slack_text.escape("&lt;") == "&amp;lt;"  # a typed entity stays as typed


def test_clip_never_ends_inside_an_entity_or_a_control_sequence() -> None:
    escaped = slack_text.escape("ab<cd")  # ab&lt;cd
    assert slack_text.clip(escaped, 5) == "ab…"  # not "ab&l…"
    assert slack_text.clip("see <#C1> now", 8) == "see …"  # not "see <#C…"
    assert slack_text.clip("short", 10) == "short"
    assert slack_text.escape_clipped("<" * 10, 8) == "&lt;…"


def test_mentions_are_made_only_of_ids() -> None:
    assert slack_text.user("U0ALICE") == "<@U0ALICE>"
    assert slack_text.user("U1> <!channel") == "U1&gt; &lt;!channel"
    assert slack_text.user("alice@example.com") == "alice@example.com"
    assert slack_text.user(None) == "nobody"
    assert slack_text.channel("C0ROOM") == "<#C0ROOM>"
    assert slack_text.channel("C1><!here") == "C1&gt;&lt;!here"
    assert slack_text.channel(None) == "—"
    assert slack_text.user_group("S0ONCALL") == "<!subteam^S0ONCALL>"
    assert slack_text.user_group("S1>x") == "S1&gt;x"


def test_a_link_cannot_be_closed_early_by_its_url_or_label() -> None:
    assert slack_text.link("https://x.example/a|b>c d", "<!channel>|x") == (
        "<https://x.example/a%7Cb%3Ec%20d|&lt;!channel&gt;¦x>"
    )


def test_unescape_gives_back_what_was_typed_and_escape_undoes_it() -> None:
    typed = "a & b <c> &lt; literal"
    sent_by_slack = "a &amp; b &lt;c&gt; &amp;lt; literal"
    assert slack_text.unescape(sent_by_slack) == typed
    assert slack_text.escape(typed) == sent_by_slack
    assert slack_text.unescape("<@U0ALICE|alice>") == "<@U0ALICE|alice>"
