"""Gmail → ticket, the pure part: what the label changes read back from Gmail's history ask of one ticket.

An agent working in Gmail changes a ticket by applying or removing one of our labels; Gmail's history reports
each change per message (history.list: labelsAdded / labelsRemoved, in increasing history id). `plan` turns the
changes on one ticket's threads into workflow actions, refusals and notes. No database, no Gmail: the rules are
tested alone (tests/labels/test_changes.py); `labels.from_gmail` applies the plan through the workflow.

The rules, per label, on the last change of each label name (a label applied to a whole conversation comes
back once per message; applied and then removed again, it changed nothing):
- A label the ticket already wants (`current`) being added, or one it does not want being removed, changes
  nothing. That is why our own pushes, which come back through history too, never loop: they only ever add
  the labels of the state they pushed and remove the others.
- `pushed` (the names the last push wrote, `Ticket.labels_pushed`) tells the echo of an older push apart from
  an agent: a label added that the last push wrote but the ticket no longer wants is that push's echo, read
  after the ticket changed again in Linedesk; it changes nothing (the pending push replaces it).
- One kind at a time: `Line/X` → transfer to X; `Agent/Y` → assign Y; `Agent/Y` removed → release;
  `Status/…` → release (New), start (In progress), wait (Waiting), done (Done: the two fields must be filled
  in Linedesk already); `Priority/P` → priority P. Actions run in that order (a transfer first: it resets the
  status and assignee that the other labels then set). Assigned comes with an Agent label; Completed and
  Reopened are the helpdesk's own doing; flags (Overdue, Ignored, Development, Phantom) are set by the rules and
  the customer's rating: all refused.
- Two labels of one kind applied at once (two lines, two statuses): the later in history order wins, with a
  note naming both.
- Removing the only Status, Line or Priority label is refused: a ticket always has one.
- Conflict: when Linedesk changed the same kind since the last push (pushed and current differ there), that
  change is not in Gmail's history yet — it enters it when it is pushed, after the label change just read —
  so it is the later one and wins: the Gmail change is refused with a note saying so, and both stay in the
  audit. A Gmail change read after that push is the later one, and is applied.
Every refusal is undone in Gmail (the ticket's labels are pushed again) and told in a note on the ticket.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from app.models.enums import Status
from labels.scheme import (
    FLAGS,
    PRIORITY_NAMES,
    STATUS_NAMES,
    LabelScheme,
    TicketLabelState,
)

ORDER = ("line", "agent", "status", "priority")  # the order actions apply in
_STATUSES = {name.casefold(): status for status, name in STATUS_NAMES.items()}
_PRIORITIES = {name.casefold(): priority for priority, name in PRIORITY_NAMES.items()}
_KIND_WORDS = {"Status": "status", "Line": "line", "Priority": "priority", "Agent": "agent"}
_ONE_OF = {"line": "line", "status": "status", "priority": "priority"}
BY_THE_HELPDESK = {Status.COMPLETED: "a done ticket completes by itself (a rating, or two days without one)",
                   Status.REOPENED: "a done ticket reopens by itself when the customer writes again"}


@dataclass(frozen=True)
class LabelChange:
    """One of our labels added to (or removed from) a message of the ticket's threads, at `history_id`."""

    history_id: int
    name: str
    added: bool


@dataclass(frozen=True)
class ParsedLabel:
    """A label name under the prefix, read back: `kind` status, line, priority, agent, flag or unknown."""

    kind: str
    value: str  # the level after the kind ("2nd line", "In progress"), the flag, or the unknown rest


@dataclass(frozen=True)
class Action:
    kind: str  # transfer, assign, release, status, priority
    value: object  # the line or agent name level, a Status, a Priority; None for release
    label: str  # the label that asked for it, for the audit and the notes


@dataclass(frozen=True)
class Refusal:
    label: str
    reason: str


@dataclass
class Plan:
    actions: list[Action] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def touched(self) -> bool:
        """Anything to do, tell or undo: the ticket's labels are pushed afterwards."""
        return bool(self.actions or self.refused or self.notes)


def parse(scheme: LabelScheme, name: str) -> ParsedLabel | None:
    """What label `name` stands for; None when it is not under the prefix (an agent's own label, INBOX…)."""
    if not scheme.is_ours(name):
        return None
    rest = name[len(scheme.prefix) + 1:]
    for flag in FLAGS:
        if rest.casefold() == flag:
            return ParsedLabel("flag", flag)
    word, _, value = rest.partition("/")
    kind = next((k for w, k in _KIND_WORDS.items() if w.casefold() == word.casefold()), None)
    if kind is None or not value:
        return ParsedLabel("unknown", rest)
    if kind == "status" and value.casefold() not in _STATUSES:
        return ParsedLabel("unknown", rest)
    if kind == "priority" and value.casefold() not in _PRIORITIES:
        return ParsedLabel("unknown", rest)
    return ParsedLabel(kind, value)


def last_changes(changes: Iterable[LabelChange]) -> list[LabelChange]:
    """The last change of each label name (compared as Gmail does, ignoring case), in history order."""
    last: dict[str, LabelChange] = {}
    for change in sorted(changes, key=lambda c: c.history_id):
        last.pop(change.name.casefold(), None)
        last[change.name.casefold()] = change
    return list(last.values())


def plan(scheme: LabelScheme, changes: Iterable[LabelChange], current: TicketLabelState,
         pushed: Collection[str] | None) -> Plan:
    """The actions, refusals and notes that `changes` (on one ticket's threads) ask of a ticket in `current`
    whose last push wrote `pushed` (None: never pushed)."""
    wanted = {name.casefold() for name in scheme.wanted_labels(current)}
    written = {name.casefold() for name in pushed or () if scheme.is_ours(name)} or None  # None: not known
    # (under another prefix: pushed before the prefix changed, the labels since renamed in place)
    by_kind: dict[str, list[tuple[LabelChange, ParsedLabel]]] = {}
    for change in last_changes(changes):
        parsed = parse(scheme, change.name)
        if parsed is not None:
            by_kind.setdefault(parsed.kind, []).append((change, parsed))
    result = Plan()
    for kind, found in by_kind.items():
        if kind in ("flag", "unknown"):
            _refuse_fixed(kind, found, wanted, result)
    for kind in ORDER:
        _plan_kind(scheme, kind, by_kind.get(kind, []), current, wanted, written, result)
    _drop_implied_statuses(result)
    return result


def _refuse_fixed(kind: str, found: list[tuple[LabelChange, ParsedLabel]], wanted: set[str], result: Plan) -> None:
    for change, _parsed in found:
        if change.added == (change.name.casefold() in wanted):
            continue  # already as the ticket wants it
        if kind == "flag":
            result.refused.append(Refusal(change.name, "flags are set by the helpdesk's rules and the customer's "
                                                       "rating, not by hand"))
        elif change.added:
            result.refused.append(Refusal(change.name, "it is not a label Linedesk knows"))


def _plan_kind(scheme: LabelScheme, kind: str, found: list[tuple[LabelChange, ParsedLabel]],
               current: TicketLabelState, wanted: set[str], written: set[str] | None, result: Plan) -> None:
    mine = {n.casefold() for n in scheme.wanted_labels(current) if _kind_of(scheme, n) == kind}
    changed_here = written is not None and mine != {n for n in written if _kind_of(scheme, n) == kind}
    added = [(c, p) for c, p in found if c.added and c.name.casefold() not in wanted
             and (written is None or c.name.casefold() not in written)]
    removed = [(c, p) for c, p in found if not c.added and c.name.casefold() in wanted
               and (written is None or c.name.casefold() in written)]
    if not added and not removed:
        return
    if changed_here:
        now = _describe(kind, current)
        for change, _parsed in added + removed:
            result.refused.append(Refusal(change.name, f"the ticket's {kind} was changed in Linedesk ({now}) after "
                                                       "Gmail last showed it, and the later change wins"))
        return
    if added:
        change, parsed = added[-1]
        names = list(dict.fromkeys(c.name for c, _ in added))
        if len(names) > 1:
            result.notes.append(f"{len(names)} {kind} labels were applied in Gmail at once ({', '.join(names)}): "
                                f"{change.name}, applied last, wins")
        _add_action(kind, change, parsed, result)
    elif kind in _ONE_OF:
        change = removed[-1][0]
        result.refused.append(Refusal(change.name, f"a ticket always has one {kind}: apply another {kind} label "
                                                   "to change it"))
    else:
        result.actions.append(Action("release", None, removed[-1][0].name))


def _add_action(kind: str, change: LabelChange, parsed: ParsedLabel, result: Plan) -> None:
    if kind == "line":
        result.actions.append(Action("transfer", parsed.value, change.name))
    elif kind == "agent":
        result.actions.append(Action("assign", parsed.value, change.name))
    elif kind == "priority":
        result.actions.append(Action("priority", _PRIORITIES[parsed.value.casefold()], change.name))
    else:
        status = _STATUSES[parsed.value.casefold()]
        if status in BY_THE_HELPDESK:
            result.refused.append(Refusal(change.name, BY_THE_HELPDESK[status]))
        else:
            result.actions.append(Action("status", status, change.name))


def _drop_implied_statuses(result: Plan) -> None:
    """A status the other actions already give (New after a transfer, Assigned with an Agent label) is kept out;
    Assigned alone is refused: assigning needs to know whom."""
    kinds = {action.kind for action in result.actions}
    kept: list[Action] = []
    for action in result.actions:
        if action.kind == "status" and action.value is Status.ASSIGNED and "assign" not in kinds:
            result.refused.append(Refusal(action.label, "Assigned comes with an Agent label: apply the agent's "
                                                        "label to assign the ticket"))
            continue
        if action.kind == "status" and (
                (action.value is Status.ASSIGNED and "assign" in kinds)
                or (action.value is Status.NEW and "transfer" in kinds and "assign" not in kinds)):
            continue
        kept.append(action)
    result.actions[:] = kept


def _kind_of(scheme: LabelScheme, name: str) -> str | None:
    parsed = parse(scheme, name)
    return parsed.kind if parsed else None


def _describe(kind: str, current: TicketLabelState) -> str:
    if kind == "line":
        return f"now {current.line}"
    if kind == "agent":
        return f"now {current.assignee}" if current.assignee else "now unassigned"
    if kind == "status":
        return f"now {STATUS_NAMES[current.status]}"
    return f"now {PRIORITY_NAMES[current.priority]}"
