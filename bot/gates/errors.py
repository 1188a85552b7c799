"""Why the gate refused: each error carries what the caller needs to explain it to a human."""

from __future__ import annotations

from bot.domain.errors import MarshalError
from bot.domain.models import StatusPageDraft


class AutoPublishNotPermitted(MarshalError):
    """No approval of this exact draft id and body hash could be read back; nothing was sent."""

    def __init__(self, draft_id: str, reason: str) -> None:
        self.draft_id = draft_id
        self.reason = reason
        super().__init__(f"draft {draft_id} may not be published: {reason}")


class ApprovalRefused(MarshalError):
    """The user may not approve (or reject) this draft; the refusal is audited."""

    def __init__(self, user_id: str, draft_id: str, reason: str) -> None:
        self.user_id = user_id
        self.draft_id = draft_id
        self.reason = reason
        super().__init__(f"<@{user_id}> may not approve draft {draft_id}: {reason}")


class DraftSuperseded(MarshalError):
    """The button or text the user acted on is not the draft's current text."""

    def __init__(self, current: StatusPageDraft) -> None:
        self.current = current
        super().__init__(
            f"draft {current.id} has changed since this message was posted "
            f"(now version {current.version}, {current.status}); use the newest message"
        )


class DraftClosed(MarshalError):
    """The draft is past the step asked for: already approved by someone else, published,
    rejected or superseded. `current` says what happened to it."""

    def __init__(self, current: StatusPageDraft, wanted: str) -> None:
        self.current = current
        super().__init__(f"draft {current.id} is {current.status.value}; cannot {wanted} it now")


class PublishFailed(MarshalError):
    """The status page did not take the post; the draft stays approved and can be retried."""

    def __init__(self, draft: StatusPageDraft, reason: str) -> None:
        self.draft = draft
        self.reason = reason
        super().__init__(f"publishing draft {draft.id} failed: {reason}; it can be retried")


class DraftInvalid(MarshalError):
    """The draft text cannot be posted (empty, too long); the message says why."""
