"""The response-time rules as data, and the pure function that says which timers a ticket should have.

`plan(state, policy)` looks at one ticket (a `TicketState`, a snapshot with no database behind it) and the
policy of its line and desk (a `Policy`), and returns the set of `Due` timers the ticket should have now:

=====================  ==========================================  =============================================
rule                   while                                        due (business time unless said otherwise)
=====================  ==========================================  =============================================
claim                  new or reopened, nobody responsible          line_entered_at + claim_within; after an
                                                                    attempt that found nobody on duty, the
                                                                    attempt + claim_within (basis "…#2", "…#3")
start                  assigned, not started                       claimed_at + start_within
first_response_warn    active, no first response, target known     created_at + 80 % of the target
first_response         active, no first response, target known     created_at + target
resolution_warn        active, resolution target for its priority  created_at + 80 % of the target
resolution             active, resolution target for its priority  created_at + target
auto_complete          done                                         done_at + 2 days (calendar time)
=====================  ==========================================  =============================================

A timer is identified by (rule, basis): the basis names what the due time was computed from, so a new line
visit, a new claim or a changed target is a new timer, and each timer fires at most once. The workflow keeps
the rows in step with this plan (`scheduler.timers.replan`); the engine fires them (`scheduler.engine`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from scheduler.calendar import add_business_seconds

ACTIVE = frozenset({"new", "assigned", "in_progress", "waiting", "reopened"})
CLAIMABLE = frozenset({"new", "reopened"})
WARN_FRACTION = 0.8
AUTO_COMPLETE_AFTER = timedelta(days=2)


@dataclass(frozen=True)
class TicketState:
    status: str
    assigned: bool
    channel: str
    priority: str
    created_at: datetime
    line_entered_at: datetime
    claimed_at: datetime | None = None
    started_at: datetime | None = None
    first_response_at: datetime | None = None
    done_at: datetime | None = None
    # Claim attempts already made in this line visit that found nobody on duty, and when the last one ran.
    claim_attempts: int = 0
    last_claim_at: datetime | None = None


@dataclass(frozen=True)
class Policy:
    claim_within_s: int = 40
    start_within_s: int = 900
    calendar: Mapping[str, Any] | None = None
    first_response: Mapping[str, int] = field(default_factory=dict)  # channel -> seconds
    first_response_priority: Mapping[str, int] = field(default_factory=dict)  # priority -> seconds
    resolution: Mapping[str, int] = field(default_factory=dict)  # priority -> seconds
    warn_fraction: float = WARN_FRACTION

    def first_response_target(self, channel: str, priority: str) -> int | None:
        """The stricter of the channel's and the priority's targets (either may be missing)."""
        targets = [t for t in (self.first_response.get(channel), self.first_response_priority.get(priority)) if t]
        return min(targets) if targets else None


@dataclass(frozen=True, order=True)
class Due:
    rule: str
    basis: str
    due_at: datetime

    @property
    def key(self) -> tuple[str, str]:
        return (self.rule, self.basis)


def plan(state: TicketState, policy: Policy) -> set[Due]:
    """Every timer the ticket should have now (see the table in the module docstring)."""
    wanted: set[Due] = set()
    for planner in RULES.values():
        wanted.update(planner(state, policy))
    return wanted


def is_due(due_at: datetime, now: datetime) -> bool:
    """A timer fires at its deadline, not a second before."""
    return due_at <= now


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def _business(policy: Policy, start: datetime, seconds: float) -> datetime:
    return add_business_seconds(start, seconds, policy.calendar)


def _claim(state: TicketState, policy: Policy) -> list[Due]:
    if state.status not in CLAIMABLE or state.assigned:
        return []
    basis = stamp(state.line_entered_at)
    if state.claim_attempts and state.last_claim_at is not None:
        retry = f"{basis}#{state.claim_attempts + 1}"
        return [Due("claim", retry, _business(policy, state.last_claim_at, policy.claim_within_s))]
    return [Due("claim", basis, _business(policy, state.line_entered_at, policy.claim_within_s))]


def _start(state: TicketState, policy: Policy) -> list[Due]:
    if state.status != "assigned" or state.started_at is not None or state.claimed_at is None:
        return []
    return [Due("start", stamp(state.claimed_at), _business(policy, state.claimed_at, policy.start_within_s))]


def _targeted(rule: str, target: int | None, state: TicketState, policy: Policy) -> list[Due]:
    if not target or state.status not in ACTIVE:
        return []
    basis = f"{stamp(state.created_at)}/{target}s"
    return [
        Due(f"{rule}_warn", basis, _business(policy, state.created_at, target * policy.warn_fraction)),
        Due(rule, basis, _business(policy, state.created_at, target)),
    ]


def _first_response(state: TicketState, policy: Policy) -> list[Due]:
    if state.first_response_at is not None:
        return []
    return _targeted("first_response", policy.first_response_target(state.channel, state.priority), state, policy)


def _resolution(state: TicketState, policy: Policy) -> list[Due]:
    return _targeted("resolution", policy.resolution.get(state.priority), state, policy)


def _auto_complete(state: TicketState, policy: Policy) -> list[Due]:
    if state.status != "done" or state.done_at is None:
        return []
    return [Due("auto_complete", stamp(state.done_at), state.done_at + AUTO_COMPLETE_AFTER)]


Planner = Callable[[TicketState, Policy], list[Due]]
# The rules, by family; the engine holds the action of each rule name (the *_warn rules share one).
RULES: dict[str, Planner] = {
    "claim": _claim,
    "start": _start,
    "first_response": _first_response,
    "resolution": _resolution,
    "auto_complete": _auto_complete,
}
RULE_NAMES = ("claim", "start", "first_response_warn", "first_response", "resolution_warn", "resolution",
              "auto_complete")
