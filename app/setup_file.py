"""The setup file: one TOML text that describes a whole helpdesk, read into typed specs and checked in full.

Why a separate reading step: `linedesk setup apply` must either write the whole file or nothing, and a person
fixing a file wants every mistake at once, each with its key path and line ("lines[2].claim_within, line 41:
'4O s' is not a duration"), not one per run. So `parse_setup` never touches the database: it reads every
section, collects every problem (unknown keys included — `memebers` is a typo, not an extension), runs the
cross-checks (heads and members are agents, slugs are unique, a mailbox's default line exists), and only then
either returns a `SetupSpec` or raises `SetupInvalid` carrying all problems, located by `KeyLocator`.

Agents the file references but does not define may already exist in the database; the caller passes those
(`known_agents`: email -> role of the active agents) so the check stays a pure function of its inputs.
Key paths are 0-based in file order: `lines[0]` is the first `[[lines]]` table.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from app.domain.errors import InvalidInput
from app.models.enums import AssignStrategy, Channel, LineKind, Priority, Role
from app.setup_check import Checker, Entry
from app.setup_locate import KeyLocator

_TOP = {"helpdesk": True, "mailboxes": False, "agents": False, "lines": False, "categories": False,
        "first_response": False, "resolution": False, "routing": False}
_HELPDESK = {"name": True, "label_prefix": False, "timezone": False, "phone_region": False}
_MAILBOX = {"address": True, "default_line": False, "join_active_ticket": False}
_AGENT = {"email": True, "name": True, "role": False, "on_duty": False, "timezone": False, "digest": False,
          "digest_at": False}
_DIGESTS = ("daily", "weekly")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_LINE = {"slug": True, "name": True, "head": False, "members": False, "claim_within": False,
         "start_within": False, "kind": False, "assign": False, "calendar": False, "auto_answer": False,
         "auto_answer_threshold": False}
_CALENDAR = {"timezone": False, "hours": True, "holidays": False}
_CATEGORY = {"name": True, "urgent": False}
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


@dataclass(frozen=True)
class HelpdeskSpec:
    name: str
    label_prefix: str = "Helpdesk"
    timezone: str = "UTC"
    phone_region: str | None = None


@dataclass(frozen=True)
class MailboxSpec:
    address: str
    default_line: str  # a slug of a line in the file
    join_active_ticket: bool = True


@dataclass(frozen=True)
class AgentSpec:
    email: str
    name: str
    role: Role = Role.AGENT
    on_duty: bool | None = None  # None: leave an existing agent's flag alone (it changes during the day)
    timezone: str | None = None
    # Digest mails, "daily" and/or "weekly", at digest_at in the agent's time zone (else the desk's). Managers
    # and admins get a daily one at 08:00 unless the file says otherwise (`digest = []`: none).
    digest: tuple[str, ...] = ()
    digest_at: str = "08:00"


@dataclass(frozen=True)
class LineSpec:
    slug: str
    name: str
    position: int  # 1-based order in the file; the first support line is the "first line"
    head: str | None = None
    members: tuple[str, ...] = ()
    claim_within_s: int = 40
    start_within_s: int = 900
    kind: LineKind = LineKind.SUPPORT
    assign: AssignStrategy = AssignStrategy.RANDOM
    # Business hours (scheduler.calendar): {"timezone", "hours": {"mon": ["09:00", "18:00"], …}, "holidays"};
    # None: the line's clocks run around the clock.
    calendar: dict[str, Any] | None = None
    # Automatic answers from the knowledge base in the acknowledgement (app.kb.auto): off unless turned on.
    auto_answer: bool = False
    auto_answer_threshold: float = 0.75


@dataclass(frozen=True)
class CategorySpec:
    name: str
    urgent: bool = False


@dataclass(frozen=True)
class SetupSpec:
    helpdesk: HelpdeskSpec
    mailboxes: tuple[MailboxSpec, ...] = ()
    agents: tuple[AgentSpec, ...] = ()
    lines: tuple[LineSpec, ...] = ()
    categories: tuple[CategorySpec, ...] = ()
    first_response: dict[str, int] | None = None  # channel -> seconds
    first_response_priority: dict[str, int] | None = None  # priority -> seconds ([first_response.priority])
    resolution: dict[str, int] | None = None  # priority -> seconds
    routing: tuple[Any, ...] = ()  # [[routing]] rules, tried in order (app/channels/rules.py)
    external_agents: frozenset[str] = field(default_factory=frozenset)  # referenced, defined only in the DB

    def settings(self) -> dict[str, Any]:
        """The HelpdeskSetting rows this file asks for; None means "no such row"."""
        return {
            "name": self.helpdesk.name,
            "label_prefix": self.helpdesk.label_prefix,
            "timezone": self.helpdesk.timezone,
            "phone_region": self.helpdesk.phone_region,
            "first_response": self.first_response,
            "first_response_priority": self.first_response_priority,
            "resolution": self.resolution,
            "routing_rules": [rule.as_setting() for rule in self.routing] or None,
        }


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    line: int | None = None

    def render(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line else source
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class SetupInvalid(InvalidInput):
    """The file cannot be applied; `problems` lists every mistake, in file order."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        super().__init__(f"{source}: {len(problems)} problem(s) in the setup file", problems=problems)
        self.source = source
        self.problems = problems

    def report(self) -> str:
        return "\n".join(problem.render(self.source) for problem in self.problems)


def parse_setup(text: str, source: str = "setup.toml", known_agents: Mapping[str, Role] | None = None) -> SetupSpec:
    """The checked spec of `text`, or SetupInvalid with every problem found."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SetupInvalid(source, [_syntax_problem(exc)]) from None
    checker = Checker()
    spec = _read(data, checker, {k.lower(): v for k, v in (known_agents or {}).items()})
    if checker.problems:
        locator = KeyLocator(text)
        problems = [Problem(path, message, locator.line_of(path)) for path, message in checker.problems]
        problems.sort(key=lambda p: p.line or 0)
        raise SetupInvalid(source, problems)
    return spec


def _syntax_problem(exc: tomllib.TOMLDecodeError) -> Problem:
    message = str(exc)
    position = _TOML_POSITION.search(message)
    if position is None:
        return Problem("", f"not valid TOML: {message}")
    text = message[: position.start()]
    return Problem("", f"not valid TOML: {text} (column {position.group(2)})", int(position.group(1)))


def _read(data: dict[str, Any], checker: Checker, known_agents: Mapping[str, Role]) -> SetupSpec:
    checker.table(data, "", _TOP)
    agents = tuple(_read_agent(checker, entry) for entry in checker.entries(data, "agents"))
    lines = tuple(_read_line(checker, entry, n) for n, entry in enumerate(checker.entries(data, "lines"), 1))
    mailbox_entries = checker.entries(data, "mailboxes")
    first_support = next((line.slug for line in lines if line.kind is LineKind.SUPPORT), None)
    spec = SetupSpec(
        helpdesk=_read_helpdesk(checker, data.get("helpdesk")),
        mailboxes=tuple(_read_mailbox(checker, entry, first_support) for entry in mailbox_entries),
        agents=agents,
        lines=lines,
        categories=tuple(_read_category(checker, entry) for entry in checker.entries(data, "categories")),
        first_response=_read_targets(checker, data, "first_response", [c.value for c in Channel], nested="priority"),
        first_response_priority=_read_targets(checker, data.get("first_response") or {}, "priority",
                                              [p.value for p in Priority], path="first_response.priority"),
        resolution=_read_targets(checker, data, "resolution", [p.value for p in Priority]),
    )
    spec = replace(spec, lines=tuple(_default_zone(line, spec.helpdesk.timezone) for line in spec.lines))
    from app.channels.rules import read_rules

    spec = replace(spec, routing=read_rules(checker, data, [line.slug for line in lines],
                                            [category.name for category in spec.categories]))
    external = _cross_check(checker, spec, known_agents)
    return replace(spec, external_agents=frozenset(external))


def _read_helpdesk(checker: Checker, value: Any) -> HelpdeskSpec:
    table = checker.table(value, "helpdesk", _HELPDESK) if value is not None else None
    if table is None:
        return HelpdeskSpec(name="")
    entry = Entry("helpdesk", table)
    region = checker.text(entry, "phone_region", max_len=8)
    if region is not None and not checker.phone_region(entry, region):
        region = None
    return HelpdeskSpec(
        name=checker.text(entry, "name", max_len=200) or "",
        label_prefix=checker.text(entry, "label_prefix", default="Helpdesk", max_len=100) or "Helpdesk",
        timezone=checker.timezone(entry, "timezone", default="UTC") or "UTC",
        phone_region=region.upper() if region else None,
    )


def _read_mailbox(checker: Checker, entry: Entry, first_support: str | None) -> MailboxSpec:
    checker.table(entry.table, entry.path, _MAILBOX)
    default_line = checker.text(entry, "default_line", max_len=64)
    if default_line is None and "default_line" not in entry.table and first_support is None:
        checker.fail(entry.path, "has no default_line, and the file has no line of kind \"support\" to default to")
    return MailboxSpec(
        address=checker.email(entry, "address") or "",
        default_line=default_line or first_support or "",
        join_active_ticket=checker.flag(entry, "join_active_ticket", default=True),
    )


def _read_agent(checker: Checker, entry: Entry) -> AgentSpec:
    checker.table(entry.table, entry.path, _AGENT)
    role = checker.choice(entry, "role", Role, Role.AGENT)
    return AgentSpec(
        email=checker.email(entry, "email") or "",
        name=checker.text(entry, "name", max_len=200) or "",
        role=role,
        on_duty=checker.flag(entry, "on_duty", default=None),
        timezone=checker.timezone(entry, "timezone", default=None),
        digest=_read_digest(checker, entry, role),
        digest_at=_read_digest_at(checker, entry),
    )


def _read_digest(checker: Checker, entry: Entry, role: Role) -> tuple[str, ...]:
    """`digest = ["daily", "weekly"]` (or one of them, or [] for none); managers default to daily."""
    manager = role in (Role.MANAGER, Role.ADMIN)
    value = entry.table.get("digest")
    if value is None:
        return ("daily",) if manager else ()
    path = f"{entry.path}.digest"
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        checker.fail(path, 'must be a list such as ["daily", "weekly"], or [] for no digest')
        return ()
    unknown = [item for item in value if item not in _DIGESTS]
    if unknown:
        checker.fail(path, f"{unknown[0]!r} is not one of: daily | weekly")
        return ()
    if value and not manager:
        checker.fail(path, f"digests are for managers and admins; this agent has role \"{role.value}\"")
        return ()
    return tuple(kind for kind in _DIGESTS if kind in value)


def _read_digest_at(checker: Checker, entry: Entry) -> str:
    value = entry.table.get("digest_at")
    if value is None:
        return "08:00"
    if hasattr(value, "hour") and hasattr(value, "minute") and not hasattr(value, "year"):  # digest_at = 08:00
        value = f"{value.hour:02d}:{value.minute:02d}"
    if not isinstance(value, str) or not _CLOCK.match(value.strip()):
        checker.fail(f"{entry.path}.digest_at", f"{value!r} is not a time of day like \"08:00\" (24-hour clock)")
        return "08:00"
    return value.strip()


def _read_line(checker: Checker, entry: Entry, position: int) -> LineSpec:
    checker.table(entry.table, entry.path, _LINE)
    slug = checker.text(entry, "slug", max_len=64)
    if slug is not None and not _SLUG.match(slug):
        checker.fail(f"{entry.path}.slug", f"{slug!r} is not a slug: use lower-case letters, digits, '-' and '_'")
    head = checker.email(entry, "head") if "head" in entry.table else None
    return LineSpec(
        slug=slug or "",
        name=checker.text(entry, "name", max_len=200) or "",
        position=position,
        head=head,
        members=checker.emails(entry, "members"),
        claim_within_s=checker.duration(entry, "claim_within", default=40),
        start_within_s=checker.duration(entry, "start_within", default=900),
        kind=checker.choice(entry, "kind", LineKind, LineKind.SUPPORT),
        assign=checker.choice(entry, "assign", AssignStrategy, AssignStrategy.RANDOM),
        calendar=_read_calendar(checker, entry),
        auto_answer=checker.flag(entry, "auto_answer", False),
        auto_answer_threshold=_read_threshold(checker, entry),
    )


def _read_threshold(checker: Checker, entry: Entry) -> float:
    value = entry.table.get("auto_answer_threshold", 0.75)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        checker.fail(f"{entry.path}.auto_answer_threshold", f"must be a number above 0 and at most 1, got {value!r}")
        return 0.75
    return float(value)


def _read_calendar(checker: Checker, entry: Entry) -> dict[str, Any] | None:
    """`[lines.calendar]`: timezone (default: the helpdesk's), hours per weekday, holidays (dates)."""
    from scheduler.calendar import CalendarError, check_calendar

    if "calendar" not in entry.table:
        return None
    path = f"{entry.path}.calendar"
    table = checker.table(entry.table["calendar"], path, _CALENDAR)
    if table is None:
        return None
    calendar: dict[str, Any] = {"hours": table.get("hours"),
                                "holidays": [_iso(day) for day in table.get("holidays") or []]}
    if "timezone" in table:
        calendar["timezone"] = checker.timezone(Entry(path, table), "timezone", default=None)
    if not isinstance(calendar["hours"], dict):
        checker.fail(f"{path}.hours", "must be a table of weekdays, e.g. mon = [\"09:00\", \"18:00\"]")
        return None
    try:
        check_calendar({**calendar, "timezone": calendar.get("timezone") or "UTC"})
    except CalendarError as exc:
        checker.fail(path, str(exc))
        return None
    return calendar


def _iso(day: Any) -> str:
    return day.isoformat() if hasattr(day, "isoformat") else str(day)


def _default_zone(line: LineSpec, helpdesk_zone: str | None) -> LineSpec:
    if line.calendar is None or line.calendar.get("timezone"):
        return line
    return replace(line, calendar={**line.calendar, "timezone": helpdesk_zone or "UTC"})


def _read_category(checker: Checker, entry: Entry) -> CategorySpec:
    checker.table(entry.table, entry.path, _CATEGORY)
    return CategorySpec(
        name=checker.text(entry, "name", max_len=200) or "",
        urgent=checker.flag(entry, "urgent", default=False),
    )


def _read_targets(checker: Checker, data: dict[str, Any], section: str, keys: list[str], *,
                  nested: str | None = None, path: str | None = None) -> dict[str, int] | None:
    """A table of durations by channel or priority; `nested` names a sub-table read separately."""
    if section not in data:
        return None
    path = path or section
    table = checker.table(data[section], path, {key: False for key in [*keys, *([nested] if nested else [])]})
    if table is None:
        return None
    entry = Entry(path, table)
    return {key: checker.duration(entry, key, default=0) for key in keys if key in table}


def _cross_check(checker: Checker, spec: SetupSpec, known_agents: Mapping[str, Role]) -> set[str]:
    """Uniqueness and references across sections; returns the referenced agents defined only in the DB."""
    roles: dict[str, Role] = {}
    for agent in spec.agents:
        if agent.email:
            roles.setdefault(agent.email, agent.role)  # a repeat is reported below, not used
    checker.unique("agents", "email", [agent.email for agent in spec.agents])
    checker.unique("lines", "slug", [line.slug for line in spec.lines])
    checker.unique("lines", "name", [line.name.casefold() for line in spec.lines])
    checker.unique("mailboxes", "address", [mailbox.address for mailbox in spec.mailboxes])
    checker.unique("categories", "name", [category.name.casefold() for category in spec.categories])
    external: set[str] = set()
    for index, line in enumerate(spec.lines):
        path = f"lines[{index}]"
        if line.head:
            role = _agent_role(checker, f"{path}.head", line.head, roles, known_agents, external)
            if role is Role.AGENT:
                checker.fail(f"{path}.head",
                             f"{line.head} has role \"agent\"; the head of a line is a manager or admin")
        for number, member in enumerate(line.members):
            _agent_role(checker, f"{path}.members[{number}]", member, roles, known_agents, external)
        checker.unique(f"{path}.members", "", list(line.members))
    slugs = {line.slug for line in spec.lines}
    for index, mailbox in enumerate(spec.mailboxes):
        if mailbox.default_line and mailbox.default_line not in slugs:
            checker.fail(f"mailboxes[{index}].default_line", f"no line with slug {mailbox.default_line!r} in [[lines]]")
    return external


def _agent_role(checker: Checker, path: str, email: str, roles: Mapping[str, Role],
                known_agents: Mapping[str, Role], external: set[str]) -> Role | None:
    if email in roles:
        return roles[email]
    if email in known_agents:
        external.add(email)
        return known_agents[email]
    checker.fail(path, f"{email} is not an agent: define it in [[agents]]")
    return None

