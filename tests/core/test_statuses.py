"""The status machine, without a database."""

import pytest

from app.domain.errors import TransitionError
from app.domain.statuses import ALLOWED, check_transition
from app.models import Status


def test_every_status_has_a_row():
    assert set(ALLOWED) == set(Status)


@pytest.mark.parametrize(
    "current, target, reason",
    [
        (Status.NEW, Status.DONE, "nobody has taken it yet"),
        (Status.COMPLETED, Status.IN_PROGRESS, "completed, which is final"),
        (Status.DONE, Status.IN_PROGRESS, "it reopens when the customer writes again"),
        (Status.IN_PROGRESS, Status.COMPLETED, "only a done ticket can be completed"),
        (Status.WAITING, Status.REOPENED, "only a done ticket can be reopened"),
    ],
)
def test_forbidden_transition_names_the_transition_and_the_reason(current, target, reason):
    with pytest.raises(TransitionError) as err:
        check_transition(1042, current, target)
    message = str(err.value)
    assert f"#1042 cannot go from {current.value} to {target.value}" in message
    assert reason in message


@pytest.mark.parametrize(
    "current, target",
    [(Status.NEW, Status.ASSIGNED), (Status.ASSIGNED, Status.IN_PROGRESS), (Status.IN_PROGRESS, Status.WAITING),
     (Status.WAITING, Status.IN_PROGRESS), (Status.IN_PROGRESS, Status.DONE), (Status.DONE, Status.COMPLETED),
     (Status.DONE, Status.REOPENED), (Status.REOPENED, Status.IN_PROGRESS)],
)
def test_the_normal_path_is_allowed(current, target):
    check_transition(1, current, target)


def test_completed_is_final():
    assert ALLOWED[Status.COMPLETED] == frozenset()
