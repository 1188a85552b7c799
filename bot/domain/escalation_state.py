"""EscalationState: an incident's paging, as kept on the incident record (both stores).

It is the whole memory of paging, so the timers are rebuilt from it after a restart and
every replica agrees on it (conditional writes of the incident):
- `epoch`: one run of the policy; a reopen starts the next one at level 1;
- `next_step` / `next_due`: the step the timer pages next and when (None: policy done);
- `sent`: the ledger of pages and sync calls made, keyed `epoch.step.target` (a retry
  skips what it holds, so a redelivered event never pages a target twice);
- `pages`: what the room and the card show (who was paged, when, at which level);
- `acked_at` / `acked_by`: an acknowledgement stops this epoch's escalation;
- `hold_until`: automatic escalation waits until then (`/marshal escalation hold`).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class PageRecord(BaseModel):
    epoch: int
    step: int  # -1 for a page by hand (`/marshal page`)
    level: int  # 1-based; 0 for a page by hand
    target: str
    at: datetime
    by: str  # "marshal" for the timer, else the Slack user who asked
    ok: bool = True
    problem: str | None = None
    request: str | None = None  # the `/marshal page` request it answered
    ref: str | None = None  # the vendor's id for the page (a Grafana OnCall alert group)


class EscalationState(BaseModel):
    policy: str
    epoch: int = 0
    epoch_started_at: datetime
    next_step: int = 0
    next_due: datetime | None = None
    first_paged_at: datetime | None = None
    acked_at: datetime | None = None
    acked_by: str | None = None
    ack_via: str | None = None
    hold_until: datetime | None = None
    hold_by: str | None = None
    hold_reason: str | None = None
    forced_step: int | None = None  # `/marshal escalate`: this step pages despite ack or hold
    resolved_epoch: int | None = None  # the epoch whose incident was resolved (a reopen restarts)
    pages: list[PageRecord] = Field(default_factory=list)
    sent: dict[str, datetime] = Field(default_factory=dict)

    @property
    def acknowledged(self) -> bool:
        return self.acked_at is not None

    def held_at(self, at: datetime) -> bool:
        return self.hold_until is not None and at < self.hold_until

    def due_at(self) -> datetime | None:
        """When the timer pages `next_step`: its due time, pushed past a hold."""
        if self.next_due is None or self.acknowledged:
            return None
        if self.hold_until is not None and self.hold_until > self.next_due:
            return self.hold_until
        return self.next_due

    def paged_targets(self) -> list[str]:
        """Every target paged successfully in this epoch, once each, in paging order."""
        return list(dict.fromkeys(p.target for p in self.pages if p.epoch == self.epoch and p.ok))
