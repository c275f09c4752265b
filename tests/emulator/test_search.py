"""gmail_emulator.search: Gmail's `q` syntax — every operator, the boolean structure, dates, and refusals."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from gmail_emulator.search import QueryError, SearchableMessage, parse_query

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
NOW_MS = int(NOW.timestamp() * 1000)


def ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


BASE = SearchableMessage(
    label_ids=frozenset({"INBOX", "UNREAD", "IMPORTANT", "CATEGORY_PERSONAL", "Label_7"}),
    label_names={
        "INBOX": "INBOX",
        "UNREAD": "UNREAD",
        "IMPORTANT": "IMPORTANT",
        "CATEGORY_PERSONAL": "CATEGORY_PERSONAL",
        "Label_7": "Helpdesk/Line/1st line",
        "Label_8": "Helpdesk/Closed",
    },
    from_addr="Tom Becker <tom.becker@acme-bikes.de>",
    to_addrs=["support@coolxost.com"],
    cc_addrs=["lisa@coolxost.com"],
    bcc_addrs=["audit@coolxost.com"],
    subject="Website down - 503 errors on shop.acme-bikes.de",
    text="Hello, our shop shows 503 Service Unavailable since this morning. Customer number CX-20417.\n"
    "サーバーが応答しません。Сайт не работает.",
    message_id="<fe5c94@mail.acme-bikes.de>",
    internal_date_ms=ms(NOW - timedelta(days=3)),
    size_estimate=12_000,
    has_attachment=True,
    filenames=["boot.log", "Invoice INV-0413.pdf"],
)


def matches(q: str, msg: SearchableMessage = BASE, *, now_ms: int = NOW_MS, **kwargs: object) -> bool:
    return parse_query(q).matches(msg, now_ms=now_ms, **kwargs)  # type: ignore[arg-type]


def variant(**changes: object) -> SearchableMessage:
    return dataclasses.replace(BASE, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("from:tom", True),
        ("from:becker", True),
        ("from:tom.becker@acme-bikes.de", True),
        ("from:acme-bikes.de", True),
        ("from:lisa", False),
        ("to:support@coolxost.com", True),
        ("to:lisa", False),
        ("cc:lisa@coolxost.com", True),
        ("bcc:audit", True),
        ("subject:503", True),
        ("subject:shop.acme-bikes.de", True),
        ("subject:unavailable", False),
        ("label:inbox", True),
        ("label:INBOX", True),
        ("label:helpdesk-line-1st-line", True),
        ('label:"Helpdesk/Line/1st line"', True),
        ("label:helpdesk/line/1st_line", True),
        ("label:helpdesk-closed", False),
        ("label:helpdesk", False),
        ("in:inbox", True),
        ("in:sent", False),
        ("in:trash", False),
        ("in:spam", False),
        ("in:drafts", False),
        ("in:anywhere", True),
        ("is:unread", True),
        ("is:read", False),
        ("is:starred", False),
        ("is:unstarred", True),
        ("is:important", True),
        ("has:attachment", True),
        ("has:userlabels", True),
        ("has:nouserlabels", False),
        ("category:primary", True),
        ("category:social", False),
        ("filename:pdf", True),
        ("filename:boot.log", True),
        ("filename:docx", False),
        ("larger:10k", True),
        ("larger:12000", True),
        ("larger:1M", False),
        ("smaller:1M", True),
        ("smaller:12000", False),
        ("size:5000", True),
        ("rfc822msgid:fe5c94@mail.acme-bikes.de", True),
        ("rfc822msgid:<fe5c94@mail.acme-bikes.de>", True),
        ("rfc822msgid:other@mail.acme-bikes.de", False),
        ('"service unavailable"', True),
        ('"unavailable service"', False),
        ("503", True),
        ("SHOP", True),
        ("sho", False),  # whole words, not substrings
        ("cx-20417", True),
        ("coolxost", True),  # free words also search To
        ("サーバー", True),  # CJK: substring
        ("応答", True),
        ("сайт", True),  # case-insensitive beyond ASCII
        ("10:30 OR 503", True),  # word:with:colons that is no operator is a word
        ("", True),
    ],
)
def test_operators(q: str, expected: bool) -> None:
    assert matches(q) is expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("-from:tom", False),
        ("-is:starred", True),
        ("from:tom -subject:503", False),
        ("from:lisa OR subject:503", True),
        ("from:lisa OR subject:unrelated", False),
        ("{from:lisa subject:503}", True),
        ("{from:lisa subject:nothing}", False),
        ("(from:lisa OR from:tom) is:unread", True),
        ("-(from:lisa OR from:tom)", False),
        ("-{from:lisa from:nobody}", True),
        ("subject:(website down)", True),
        ("subject:(website nothing)", False),
        ("subject:(nothing OR website)", True),
        ("from:(tom OR lisa) -in:sent", True),
        ("shop AND 503", True),
        ("nothing unrelated OR 503", False),  # OR binds tighter: nothing AND (unrelated OR 503)
        ("503 unrelated OR shop", True),
        ("a - 503", False),  # a lone '-' is punctuation, ignored; 'a' is not a word of the message
        ("- 503", True),
    ],
)
def test_boolean_structure(q: str, expected: bool) -> None:
    assert matches(q) is expected


def test_dates_are_midnight_in_the_callers_zone() -> None:
    late_evening_utc = variant(internal_date_ms=ms(datetime(2026, 11, 20, 23, 30, tzinfo=timezone.utc)))
    assert not matches("after:2026/11/21", late_evening_utc)
    assert matches("before:2026/11/21", late_evening_utc)
    berlin = ZoneInfo("Europe/Berlin")  # 23:30 UTC is already 00:30 on the 21st in Berlin
    assert matches("after:2026/11/21", late_evening_utc, tz=berlin)
    assert not matches("before:2026-11-21", late_evening_utc, tz=berlin)
    assert matches("after:2026/11/20 before:2026/11/22", late_evening_utc)
    assert matches("newer:2026/11/20 older:2026/11/22", late_evening_utc)


def test_after_and_before_take_epoch_seconds() -> None:
    at = BASE.internal_date_ms // 1000
    assert matches(f"after:{at}") and not matches(f"after:{at + 1}")
    assert matches(f"before:{at + 1}") and not matches(f"before:{at}")


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("newer_than:4d", True),
        ("newer_than:2d", False),
        ("older_than:2d", True),
        ("older_than:4d", False),
        ("newer_than:73h", True),
        ("newer_than:71h", False),
        ("newer_than:1m", True),
        ("older_than:1y", False),
    ],
)
def test_relative_ages_use_the_given_now(q: str, expected: bool) -> None:
    assert matches(q) is expected


def test_a_parsed_query_is_reusable_with_another_now() -> None:
    query = parse_query("newer_than:1d")
    assert not query.matches(BASE, now_ms=NOW_MS)
    assert query.matches(BASE, now_ms=NOW_MS - 2 * 86_400_000 - 1)


def test_message_without_message_id_does_not_match_rfc822msgid() -> None:
    assert not matches("rfc822msgid:fe5c94@mail.acme-bikes.de", variant(message_id=None))


def test_spam_and_trash_mentions_are_reported() -> None:
    assert parse_query("in:trash from:tom").mentions_spam_or_trash
    assert parse_query("in:anywhere").mentions_spam_or_trash
    assert parse_query("label:SPAM").mentions_spam_or_trash
    assert not parse_query("from:tom is:unread").mentions_spam_or_trash


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("(from:tom subject:503", "missing ')' for the '(' at character 1"),
        ("from:tom)", "unexpected ')' at character 9"),
        ("{from:tom", "missing '}'"),
        ("()", "expected a search term at character 2"),
        ("is:banana", "unknown state 'banana'"),
        ("in:basement", "unknown folder 'basement'"),
        ("has:drive", "unknown property 'drive'"),
        ("category:spam", "unknown category 'spam'"),
        ("after:2026/13/45", "not a calendar date"),
        ("before:yesterday", "expected a date"),
        ("after:2026.11.01", "expected a date"),
        ("newer_than:3w", "expected a number and a unit"),
        ("larger:big", "expected a size"),
        ("from:", "needs a value"),
        ("OR subject:503", "needs a search term before it"),
        ("subject:503 OR", "needs a search term after it"),
        ('subject:"never closed', "unterminated quote"),
        ("deliveredto:support@coolxost.com", "not supported"),
        ("rfc822msgid:<>", "expected a Message-ID"),
    ],
)
def test_broken_queries_raise_query_error_saying_what_and_where(q: str, message: str) -> None:
    with pytest.raises(QueryError, match="character|unterminated") as caught:
        parse_query(q)
    assert message in str(caught.value)


def test_query_error_is_a_value_error() -> None:
    assert issubclass(QueryError, ValueError)
