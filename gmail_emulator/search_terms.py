"""The leaves of a Gmail search: one matcher per operator, and the parser of each operator's value.

Why a separate module: `search` owns the syntax (tokens, precedence, groups); this module owns what each term
means. Every `TERM_PARSERS[operator](value)` either returns a matcher or raises `ValueError` saying what is
wrong with the value — `search` turns that into a `QueryError` carrying the position in the query.

Matchers are frozen dataclasses with `matches(msg, ctx)`; anything that depends on the clock or the time zone
(`after:2024/01/31` is midnight *in the caller's zone*, `newer_than:2d` is relative to *now*) is resolved from
`ctx` at match time, so a parsed query can be reused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from gmail_emulator.search import SearchableMessage

SYSTEM_LABELS = frozenset({"INBOX", "SENT", "DRAFT", "UNREAD", "STARRED", "IMPORTANT", "TRASH", "SPAM", "CHAT"})
UNSUPPORTED = frozenset({"deliveredto", "list"})
"""Gmail operators the emulator refuses (with a 400) instead of silently matching nothing."""

_DAY_MS = 86_400_000
_AGE_UNITS_MS = {"h": 3_600_000, "d": _DAY_MS, "m": 30 * _DAY_MS, "y": 365 * _DAY_MS}
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024 * 1024}
_DATE = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$")
_LABEL_SEPARATORS = re.compile(r"[/\-_\s]+")


@dataclass(frozen=True)
class Context:
    now_ms: int
    tz: tzinfo


class Matcher(Protocol):
    def matches(self, msg: SearchableMessage, ctx: Context) -> bool: ...


# --- text ----------------------------------------------------------------------------------------------------


def _field_text(msg: SearchableMessage, field: str) -> str:
    value = {
        "subject": msg.subject,
        "text": msg.text,
        "from": msg.from_addr,
        "to": " ".join(msg.to_addrs),
        "cc": " ".join(msg.cc_addrs),
        "bcc": " ".join(msg.bcc_addrs),
        "filename": " ".join(msg.filenames),
    }[field]
    return value.casefold()


def _has_cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in ("W", "F") and ch.isalnum() for ch in text)


def word_pattern(term: str) -> re.Pattern[str]:
    """Whole words of `term`, in order, separated by anything that is not a word character.

    `a@b.com` matches "a@b.com"; `site down` matches "Site DOWN!" but not "sited own". Text with CJK characters
    (no spaces between words) is matched as a plain substring."""
    folded = " ".join(term.casefold().split())
    words = re.findall(r"\w+", folded)
    if not words or _has_cjk(folded):
        return re.compile(re.escape(folded))
    return re.compile(r"(?<!\w)" + r"\W+".join(re.escape(word) for word in words) + r"(?!\w)")


@dataclass(frozen=True)
class WordIn:
    pattern: re.Pattern[str]
    fields: tuple[str, ...]

    def matches(self, msg: SearchableMessage, ctx: Context) -> bool:
        return any(self.pattern.search(_field_text(msg, field)) for field in self.fields)


def text_matcher(term: str) -> Matcher:
    """A free word or "quoted phrase": subject, body text, From and To. Punctuation alone is ignored."""
    if not re.search(r"\w", term):
        return Always()
    return WordIn(word_pattern(term), ("subject", "text", "from", "to"))


def _field_parser(*fields: str) -> Callable[[str], Matcher]:
    return lambda value: WordIn(word_pattern(value), fields)


@dataclass(frozen=True)
class Always:
    def matches(self, msg: SearchableMessage, ctx: Context) -> bool:
        return True


# --- labels --------------------------------------------------------------------------------------------------


def _label_key(name: str) -> str:
    return _LABEL_SEPARATORS.sub("-", name.casefold()).strip("-")


@dataclass(frozen=True)
class LabelIs:
    key: str

    def matches(self, msg: SearchableMessage, ctx: Context) -> bool:
        return any(
            _label_key(label_id) == self.key or _label_key(msg.label_names.get(label_id, "")) == self.key
            for label_id in msg.label_ids
        )


@dataclass(frozen=True)
class HasLabel:
    label_id: str
    present: bool = True

    def matches(self, msg: SearchableMessage, ctx: Context) -> bool:
        return (self.label_id in msg.label_ids) == self.present


@dataclass(frozen=True)
class HasUserLabels:
    present: bool

    def matches(self, msg: SearchableMessage, ctx: Context) -> bool:
        has_user = any(i not in SYSTEM_LABELS and not i.startswith("CATEGORY_") for i in msg.label_ids)
        return has_user == self.present


@dataclass(frozen=True)
class HasAttachment:
    def matches(self, msg: SearchableMessage, ctx: Context) -> bool:
        return msg.has_attachment


def _choice(kind: str, table: dict[str, Matcher]) -> Callable[[str], Matcher]:
    def parse(value: str) -> Matcher:
        try:
            return table[value.casefold()]
        except KeyError:
            raise ValueError(f"unknown {kind} {value!r}; expected one of {', '.join(sorted(table))}") from None

    return parse


_IN = {
    "inbox": HasLabel("INBOX"),
    "sent": HasLabel("SENT"),
    "trash": HasLabel("TRASH"),
    "spam": HasLabel("SPAM"),
    "drafts": HasLabel("DRAFT"),
    "draft": HasLabel("DRAFT"),
    "starred": HasLabel("STARRED"),
    "important": HasLabel("IMPORTANT"),
    "unread": HasLabel("UNREAD"),
    "anywhere": Always(),
}
_IS = {
    "unread": HasLabel("UNREAD"),
    "read": HasLabel("UNREAD", present=False),
    "starred": HasLabel("STARRED"),
    "unstarred": HasLabel("STARRED", present=False),
    "important": HasLabel("IMPORTANT"),
    "unimportant": HasLabel("IMPORTANT", present=False),
}
_HAS = {"attachment": HasAttachment(), "userlabels": HasUserLabels(True), "nouserlabels": HasUserLabels(False)}
_CATEGORY = {
    "primary": HasLabel("CATEGORY_PERSONAL"),
    "social": HasLabel("CATEGORY_SOCIAL"),
    "promotions": HasLabel("CATEGORY_PROMOTIONS"),
    "updates": HasLabel("CATEGORY_UPDATES"),
    "forums": HasLabel("CATEGORY_FORUMS"),
}


# --- dates and sizes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateBound:
    """after:/before: — an epoch instant, or a calendar day whose midnight depends on the caller's zone."""

    after: bool
    epoch_ms: int | None = None
    day: date | None = None

    def matches(self, msg: SearchableMessage, ctx: Context) -> bool:
        bound = self.epoch_ms
        if bound is None:
            assert self.day is not None
            midnight = datetime(self.day.year, self.day.month, self.day.day, tzinfo=ctx.tz)
            bound = int(midnight.timestamp() * 1000)
        return msg.internal_date_ms >= bound if self.after else msg.internal_date_ms < bound


def _date_parser(after: bool) -> Callable[[str], Matcher]:
    def parse(value: str) -> Matcher:
        if value.isdigit():
            return DateBound(after, epoch_ms=int(value) * 1000)
        match = _DATE.match(value)
        if not match:
            raise ValueError("expected a date as YYYY/MM/DD or YYYY-MM-DD, or seconds since the epoch")
        try:
            return DateBound(after, day=date(*(int(part) for part in match.groups())))
        except ValueError as exc:
            raise ValueError(f"not a calendar date ({exc})") from None

    return parse


@dataclass(frozen=True)
class Age:
    """newer_than:/older_than: relative to the caller's now."""

    newer: bool
    age_ms: int

    def matches(self, msg: SearchableMessage, ctx: Context) -> bool:
        bound = ctx.now_ms - self.age_ms
        return msg.internal_date_ms > bound if self.newer else msg.internal_date_ms < bound


def _age_parser(newer: bool) -> Callable[[str], Matcher]:
    def parse(value: str) -> Matcher:
        match = re.fullmatch(r"(\d+)([hdmy])", value.casefold())
        if not match:
            raise ValueError("expected a number and a unit: h (hours), d (days), m (months) or y (years), e.g. 2d")
        return Age(newer, int(match.group(1)) * _AGE_UNITS_MS[match.group(2)])

    return parse


@dataclass(frozen=True)
class Size:
    larger: bool
    size: int

    def matches(self, msg: SearchableMessage, ctx: Context) -> bool:
        return msg.size_estimate >= self.size if self.larger else msg.size_estimate < self.size


def _size_parser(larger: bool) -> Callable[[str], Matcher]:
    def parse(value: str) -> Matcher:
        match = re.fullmatch(r"(\d+)([km]?)b?", value.casefold())
        if not match:
            raise ValueError("expected a size in bytes, optionally with k or M, e.g. 500k")
        return Size(larger, int(match.group(1)) * _SIZE_UNITS[match.group(2)])

    return parse


# --- message ids ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageIdIs:
    message_id: str

    def matches(self, msg: SearchableMessage, ctx: Context) -> bool:
        return (msg.message_id or "").strip().strip("<>") == self.message_id


def _message_id(value: str) -> Matcher:
    bare = value.strip().strip("<>")
    if not bare:
        raise ValueError("expected a Message-ID")
    return MessageIdIs(bare)


TERM_PARSERS: dict[str, Callable[[str], Matcher]] = {
    "from": _field_parser("from"),
    "to": _field_parser("to"),
    "cc": _field_parser("cc"),
    "bcc": _field_parser("bcc"),
    "subject": _field_parser("subject"),
    "filename": _field_parser("filename"),
    "label": lambda value: LabelIs(_label_key(value)),
    "in": _choice("folder", _IN),
    "is": _choice("state", _IS),
    "has": _choice("property", _HAS),
    "category": _choice("category", _CATEGORY),
    "after": _date_parser(after=True),
    "newer": _date_parser(after=True),
    "before": _date_parser(after=False),
    "older": _date_parser(after=False),
    "newer_than": _age_parser(newer=True),
    "older_than": _age_parser(newer=False),
    "larger": _size_parser(larger=True),
    "size": _size_parser(larger=True),
    "smaller": _size_parser(larger=False),
    "rfc822msgid": _message_id,
}
