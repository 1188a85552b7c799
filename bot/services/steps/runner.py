"""StepRunner: runs a flow's resumable steps and keeps the books on each one.

A flow (the war-room assembly, the resolve flow, and the jobs to come) is a table of stages;
a stage is one step, or several that run side by side. For every step the runner:

- skips it when the flow's book on the incident already records it (a retry resumes);
- runs it; a tolerated failure (the flow names which exceptions) becomes a problem the flow
  reports, or, for a critical step, stops the run and is handed back to the flow;
- audits it when the step asks to, once: the event id is stable per incident and step, and
  the event is appended before the step is recorded, so a crash in between redoes the step
  and the audit log drops the repeated event instead of the step going unaudited;
- records it (when, how long, what it did) through the IncidentLedger, together with any
  change the step makes to the incident;
- calls the after-step hook (tests raise from it to simulate a crash right there).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from bot.domain.audit import AuditAction
from bot.domain.models import Incident, utcnow
from bot.ports.audit import AuditLog
from bot.services.steps.ledger import Change, IncidentLedger, StepBook

log = logging.getLogger(__name__)

C = TypeVar("C")
N = TypeVar("N", bound=StrEnum)
C_contra = TypeVar("C_contra", contravariant=True)
N_co = TypeVar("N_co", bound=StrEnum, covariant=True)


@dataclass(frozen=True)
class StepDone:
    """What a finished step did: recorded on the incident and, when `audit` is set, audited."""

    detail: dict[str, Any] = field(default_factory=dict)
    audit: AuditAction | None = None
    also: Change | None = None  # written in the same update as the step's record
    problems: tuple[str, ...] = ()  # parts the step could not do but tolerated itself


class Step(Protocol[C_contra, N_co]):
    """One resumable step of a flow; `C` is what the flow hands each step (its context)."""

    @property
    def name(self) -> N_co:
        """The step's name in the flow's book; also what the after-step hook is told."""

    @property
    def critical(self) -> bool:
        """A failure of a critical step stops the run instead of becoming a problem."""

    def run(self, ctx: C_contra) -> StepDone:
        """Do the step's work; raise one of the runner's tolerated errors when it failed."""


@dataclass(frozen=True)
class Stage(Generic[C, N]):
    """Steps run one after another, or side by side; the next stage starts when all ended."""

    steps: tuple[Step[C, N], ...]
    side_by_side: bool = False
    # Run only if no step before it failed; otherwise the run stops here (e.g. archive the
    # room only once nothing is left to redo in it).
    after_clean_run: bool = False


@dataclass
class StepReport(Generic[N]):
    """How a run went: the problems to report, the steps that failed, a critical failure."""

    problems: list[str] = field(default_factory=list)
    failed: list[N] = field(default_factory=list)
    fatal: tuple[N, Exception] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_problems(self, problems: Sequence[str]) -> None:
        with self._lock:
            self.problems.extend(problems)

    def add_failure(self, step: N, problem: str) -> None:
        with self._lock:
            self.failed.append(step)
            self.problems.append(problem)


def describe_failure(step: StrEnum, exc: Exception) -> str:
    """The default problem line: the step's name in words and what went wrong."""
    return f"{step.value.replace('_', ' ')}: {exc}"


class StepRunner(Generic[C, N]):
    def __init__(
        self,
        audit: AuditLog,
        *,
        book: StepBook,
        scope: Callable[[Incident], str],
        tolerate: tuple[type[Exception], ...],
        actor: str = "marshal",
        describe: Callable[[N, Exception], str] = describe_failure,
        clock: Callable[[], datetime] = utcnow,
        after_step: Callable[[N], None] | None = None,
    ) -> None:
        """`scope` prefixes the steps' audit event ids (e.g. one resolution of an incident);
        `after_step` runs after each step is recorded (tests use it to simulate a crash)."""
        self._audit = audit
        self._book = book
        self._scope = scope
        self._tolerate = tolerate
        self._actor = actor
        self._describe = describe
        self._clock = clock
        self._after_step = after_step

    def run(self, ledger: IncidentLedger, ctx: C, stages: Sequence[Stage[C, N]]) -> StepReport[N]:
        report: StepReport[N] = StepReport()
        for stage in stages:
            if stage.after_clean_run and report.failed:
                break
            pending = [s for s in stage.steps if not self.is_recorded(ledger.incident, s.name)]
            if stage.side_by_side and len(pending) > 1:
                self._side_by_side(ledger, ctx, pending, report)
            else:
                for step in pending:
                    self._run_one(ledger, ctx, step, report)
                    if report.fatal:
                        break
            if report.fatal:
                break
        return report

    def is_recorded(self, incident: Incident, step: N) -> bool:
        return step.value in self._book.records(incident)

    def _side_by_side(
        self, ledger: IncidentLedger, ctx: C, steps: list[Step[C, N]], report: StepReport[N]
    ) -> None:
        with ThreadPoolExecutor(max_workers=len(steps), thread_name_prefix="step") as pool:
            futures = [pool.submit(self._run_one, ledger, ctx, step, report) for step in steps]
            for future in as_completed(futures):
                future.result()  # re-raises anything that is not a tolerated failure

    def _run_one(
        self, ledger: IncidentLedger, ctx: C, step: Step[C, N], report: StepReport[N]
    ) -> None:
        started = time.monotonic()
        try:
            done = step.run(ctx)
        except self._tolerate as exc:
            log.warning("incident %s: step %s failed: %s", ledger.incident.id, step.name, exc)
            if step.critical:
                report.fatal = (step.name, exc)
            else:
                report.add_failure(step.name, self._describe(step.name, exc))
            return
        incident = ledger.incident
        if done.audit:
            self._audit.append(
                incident.id,
                actor=self._actor,
                action=done.audit,
                details={"step": step.name.value, **done.detail},
                event_id=f"{self._scope(incident)}.{step.name.value}",
            )
        ledger.record_step(
            step.name.value,
            done_at=self._clock(),
            seconds=time.monotonic() - started,
            detail=done.detail,
            also=done.also,
            book=self._book,
        )
        report.add_problems(done.problems)
        if self._after_step:
            self._after_step(step.name)
