"""Status-page drafts in the room: the drafting service and the Block Kit of a posted draft."""
