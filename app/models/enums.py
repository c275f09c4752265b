"""The closed vocabularies of the domain, stored in the database by value (e.g. "in_progress")."""

from __future__ import annotations

import enum


class Role(str, enum.Enum):
    AGENT = "agent"
    MANAGER = "manager"
    ADMIN = "admin"


class LineKind(str, enum.Enum):
    SUPPORT = "support"
    DEVELOPMENT = "development"
    COMMERCIAL = "commercial"
    VIP = "vip"
    TASK = "task"


class AssignStrategy(str, enum.Enum):
    RANDOM = "random"
    LEAST_BUSY = "least_busy"


class Channel(str, enum.Enum):
    EMAIL = "email"
    CHAT = "chat"
    TELEGRAM = "telegram"
    WEB_FORM = "web_form"
    PHONE = "phone"
    TASK = "task"


class Status(str, enum.Enum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    DONE = "done"
    COMPLETED = "completed"
    REOPENED = "reopened"


ACTIVE_STATUSES = frozenset({Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING, Status.REOPENED})


class Priority(str, enum.Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Direction(str, enum.Enum):
    IN = "in"
    OUT = "out"


class Rating(str, enum.Enum):
    SATISFIED = "satisfied"
    NOT_SATISFIED = "not_satisfied"
    NOT_SUBMITTED = "not_submitted"  # "I did not submit this request": the ticket is phantom


def values(enum_cls: type[enum.Enum]) -> list[str]:
    return [member.value for member in enum_cls]
