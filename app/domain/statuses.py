"""The ticket status machine, as data.

    new ──claim/assign──▶ assigned ──start──▶ in_progress ◀──▶ waiting
     │                       │                    │               │
     └───────────────────────┴──── done (two fields required) ◀───┘
                                        │
            customer writes ◀── reopened ┤── no rating in 2 days / a rating ──▶ completed

A transfer puts an active ticket back to `new` in the target line (offered to the whole line again).
`completed` is final: a customer who writes again starts a follow-up ticket.
"""

from __future__ import annotations

from app.domain.errors import TransitionError
from app.models.enums import Status

ALLOWED: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.ASSIGNED, Status.IN_PROGRESS}),
    Status.ASSIGNED: frozenset({Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING, Status.DONE, Status.NEW}),
    Status.IN_PROGRESS: frozenset({Status.WAITING, Status.DONE, Status.NEW, Status.ASSIGNED}),
    Status.WAITING: frozenset({Status.IN_PROGRESS, Status.DONE, Status.NEW, Status.ASSIGNED}),
    Status.REOPENED: frozenset({Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING, Status.DONE, Status.NEW}),
    Status.DONE: frozenset({Status.COMPLETED, Status.REOPENED}),
    Status.COMPLETED: frozenset(),
}

WHY_NOT: dict[tuple[Status, Status], str] = {
    (Status.NEW, Status.DONE): "nobody has taken it yet; claim or assign it first",
    (Status.NEW, Status.WAITING): "nobody has taken it yet; claim or assign it first",
    (Status.NEW, Status.COMPLETED): "only a done ticket can be completed",
    (Status.DONE, Status.IN_PROGRESS): "it is done; it reopens when the customer writes again",
    (Status.DONE, Status.WAITING): "it is done; it reopens when the customer writes again",
    (Status.DONE, Status.DONE): "it is already done",
    (Status.COMPLETED, Status.REOPENED): "it is completed; a new message starts a follow-up ticket",
}


def check_transition(number: int, current: Status, target: Status) -> None:
    """Raise TransitionError naming the transition and the reason, unless `current → target` is allowed."""
    if target in ALLOWED[current]:
        return
    reason = WHY_NOT.get((current, target))
    if reason is None:
        if current is Status.COMPLETED:
            reason = "it is completed, which is final"
        elif target is Status.COMPLETED:
            reason = "only a done ticket can be completed"
        elif target is Status.REOPENED:
            reason = "only a done ticket can be reopened"
        else:
            reason = "the workflow does not allow it"
    raise TransitionError(
        f"#{number} cannot go from {current.value} to {target.value}: {reason}",
        from_status=current.value,
        to_status=target.value,
    )
