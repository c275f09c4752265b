"""Gmail's `q` search language: parse a query once, then test messages against it.

Why this module exists: `messages.list` and `threads.list` take `q`, and Linedesk relies on it (idempotent
imports by `rfc822msgid:`, backfills by `after:`/`newer_than:`, label searches). The emulator must accept the
queries Gmail accepts, answer them the way Gmail does, and refuse broken ones with a 400 — so the search is a
small tokenizer plus a recursive-descent parser producing a tree of matchers, not a pile of regexes.

Grammar (Gmail's precedence: OR binds tighter than the implicit AND, so `a b OR c` is `a AND (b OR c)`)::

    query    := and_expr? EOF
    and_expr := or_expr (["AND"] or_expr)*
    or_expr  := unary ("OR" unary)*
    unary    := "-" unary | primary
    primary  := "(" and_expr ")" | "{" unary* "}" | OPERATOR ":" value | OPERATOR ":" "(" and_expr ")"
              | "quoted phrase" | word

`{a b c}` means `a OR b OR c`; `subject:(a b)` applies the operator to every term inside the group.

Supported operators: from:, to:, cc:, bcc:, subject: (word match on the field; from: covers the display name
too) · label: (by display name, case-insensitive, with "/", "-", "_" and " " treated alike; or by a system
label id such as label:inbox) · in:inbox|sent|trash|spam|drafts|starred|important|unread|anywhere ·
is:unread|read|starred|unstarred|important|unimportant · has:attachment|userlabels|nouserlabels ·
category:primary|social|promotions|updates|forums · filename: (extension or name) · after:/before: and their
synonyms newer:/older: (YYYY/MM/DD or YYYY-MM-DD = midnight in the caller's time zone; or epoch seconds) ·
newer_than:/older_than: (Nh, Nd, Nm, Ny) · larger:/smaller:/size: (bytes, or with k/M) · rfc822msgid: (with or
without <>) · "quoted phrases" · free words (whole-word, case-insensitive, over subject, body text, From and To)
· negation with "-" · OR and {…} · parentheses · AND (optional; AND is implicit).

Where we deliberately differ from Gmail:
- No stemming, synonyms or spelling correction: free words match whole words only. Text holding CJK
  characters (which has no spaces between words) is matched as a substring instead.
- Months and years in newer_than:/older_than: are 30 and 365 days. k and M mean 1024 and 1024².
- to: matches the To header only (Gmail also looks at Cc for some accounts); from:me / to:me are not
  resolved (the matcher does not know the mailbox's address) — use in:sent.
- in:anywhere only lifts the spam/trash exclusion; whether spam and trash are searched at all is the
  server's call (see `Query.mentions_spam_or_trash`).
- Operators Gmail has but the emulator does not (deliveredto:, list:, around, has:drive, …) are refused with
  `QueryError` rather than silently matching nothing. A `word:with:colons` whose prefix is no operator is a
  free word, as in Gmail (e.g. `10:30`, `http://…`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo

from gmail_emulator.search_terms import TERM_PARSERS, UNSUPPORTED, Always, Context, Matcher, text_matcher


class QueryError(ValueError):
    """A query Gmail would refuse: the message says what is wrong and at which character."""


@dataclass(frozen=True)
class SearchableMessage:
    label_ids: frozenset[str]
    label_names: Mapping[str, str]
    from_addr: str
    to_addrs: Sequence[str]
    cc_addrs: Sequence[str]
    bcc_addrs: Sequence[str]
    subject: str
    text: str
    message_id: str | None
    internal_date_ms: int
    size_estimate: int
    has_attachment: bool
    filenames: Sequence[str]


class Query:
    """A parsed `q`. Build with `parse_query`; `matches` is pure and safe to call from many threads."""

    def __init__(self, source: str, root: Matcher, mentions_spam_or_trash: bool) -> None:
        self.source = source
        self._root = root
        self.mentions_spam_or_trash = mentions_spam_or_trash
        """True when the query names in:spam, in:trash, in:anywhere (or label:spam/trash): Gmail then searches
        those folders even without includeSpamTrash."""

    def matches(self, msg: SearchableMessage, *, now_ms: int, tz: tzinfo = UTC) -> bool:
        return self._root.matches(msg, Context(now_ms=now_ms, tz=tz))

    def __repr__(self) -> str:
        return f"Query({self.source!r}: {self._root!r})"


def parse_query(q: str) -> Query:
    """Parse Gmail search syntax; raises `QueryError` on a query Gmail would refuse."""
    root = _Parser(_tokenize(q)).parse()
    spam_or_trash = bool(re.search(r"\b(?:in|label):(?:spam|trash|anywhere)\b", q, re.IGNORECASE))
    return Query(q, root, spam_or_trash)


# --- tokens --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "(" ")" "{" "}" "-" "OR" "AND" "WORD" "PHRASE" "OP" (operator with value) "FIELD" (op before "(")
    text: str
    pos: int
    operator: str = ""


_PUNCTUATION = "(){}"
_OPERATOR = re.compile(r"([A-Za-z][A-Za-z0-9_]*):")


def _tokenize(q: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(q):
        ch = q[i]
        if ch.isspace():
            i += 1
        elif ch in _PUNCTUATION:
            tokens.append(_Token(ch, ch, i))
            i += 1
        elif ch == "-" and i + 1 < len(q) and not q[i + 1].isspace():
            tokens.append(_Token("-", ch, i))
            i += 1
        elif ch == '"':
            end = _closing_quote(q, i)
            tokens.append(_Token("PHRASE", q[i + 1 : end], i))
            i = end + 1
        else:
            token, i = _word_or_operator(q, i)
            tokens.append(token)
    return tokens


def _closing_quote(q: str, start: int) -> int:
    end = q.find('"', start + 1)
    if end < 0:
        raise QueryError(f'unterminated quote: the " at character {start + 1} is never closed')
    return end


def _word_or_operator(q: str, start: int) -> tuple[_Token, int]:
    match = _OPERATOR.match(q, start)
    if match and (match.group(1).lower() in TERM_PARSERS or match.group(1).lower() in UNSUPPORTED):
        operator, i = match.group(1).lower(), match.end()
        if operator in UNSUPPORTED:
            raise QueryError(f"operator '{operator}:' at character {start + 1} is not supported by the emulator")
        if i < len(q) and q[i] == "(":
            return _Token("FIELD", operator, start, operator), i
        if i < len(q) and q[i] == '"':
            end = _closing_quote(q, i)
            return _Token("OP", q[i + 1 : end], start, operator), end + 1
        end = _value_end(q, i, operator)
        if end == i:
            raise QueryError(f"operator '{operator}:' at character {start + 1} needs a value")
        return _Token("OP", q[i:end], start, operator), end
    end = _word_end(q, start)
    word = q[start:end]
    if word in ("OR", "AND"):
        return _Token(word, word, start), end
    return _Token("WORD", word, start), end


def _value_end(q: str, i: int, operator: str) -> int:
    """Message-IDs may hold any printable character, so rfc822msgid: runs to the next space."""
    if operator != "rfc822msgid":
        return _word_end(q, i)
    while i < len(q) and not q[i].isspace():
        i += 1
    return i


def _word_end(q: str, i: int) -> int:
    while i < len(q) and not q[i].isspace() and q[i] not in _PUNCTUATION and q[i] != '"':
        i += 1
    return i


# --- parser --------------------------------------------------------------------------------------------------


class _Parser:
    """Recursive descent over the token list; `field` is the operator of an enclosing `op:( … )` group."""

    def __init__(self, tokens: list[_Token]) -> None:
        self._tokens = tokens
        self._i = 0

    def parse(self) -> Matcher:
        if not self._tokens:
            return Always()
        node = self._and(field=None, closer=None)
        if self._i < len(self._tokens):
            token = self._tokens[self._i]
            raise QueryError(f"unexpected '{token.text}' at character {token.pos + 1}: no group to close")
        return node

    def _peek(self) -> _Token | None:
        return self._tokens[self._i] if self._i < len(self._tokens) else None

    def _next(self) -> _Token:
        token = self._tokens[self._i]
        self._i += 1
        return token

    def _and(self, field: str | None, closer: str | None) -> Matcher:
        children: list[Matcher] = []
        while (token := self._peek()) is not None and token.kind not in (")", "}"):
            if token.kind == "AND":
                self._next()
                continue
            children.append(self._or(field))
        if not children:
            where = f"at character {token.pos + 1}" if token else "at the end of the query"
            raise QueryError(f"expected a search term {where}" + (f" before '{closer}'" if closer else ""))
        return children[0] if len(children) == 1 else _And(tuple(children))

    def _or(self, field: str | None) -> Matcher:
        children = [self._unary(field)]
        while (token := self._peek()) is not None and token.kind == "OR":
            self._next()
            if self._peek() is None or self._peek().kind in (")", "}", "OR"):  # type: ignore[union-attr]
                raise QueryError(f"OR at character {token.pos + 1} needs a search term after it")
            children.append(self._unary(field))
        return children[0] if len(children) == 1 else _Or(tuple(children))

    def _unary(self, field: str | None) -> Matcher:
        token = self._peek()
        if token is not None and token.kind == "-":
            self._next()
            if self._peek() is None:
                raise QueryError(f"'-' at character {token.pos + 1} needs a search term after it")
            return _Not(self._unary(field))
        return self._primary(field)

    def _primary(self, field: str | None) -> Matcher:
        token = self._next()
        if token.kind == "(":
            return self._group(token, field, ")")
        if token.kind == "{":
            return self._braces(token, field)
        if token.kind == "FIELD":
            return self._group(self._expect("(", token), token.operator, ")")
        if token.kind == "OP":
            return self._term(token.operator, token.text, token.pos)
        if token.kind in ("WORD", "PHRASE"):
            return self._term(field, token.text, token.pos) if field else text_matcher(token.text)
        if token.kind == "OR":
            raise QueryError(f"OR at character {token.pos + 1} needs a search term before it")
        raise QueryError(f"unexpected '{token.text}' at character {token.pos + 1}")

    def _group(self, opener: _Token, field: str | None, closer: str) -> Matcher:
        node = self._and(field, closer)
        if self._peek() is None or self._peek().kind != closer:  # type: ignore[union-attr]
            raise QueryError(f"missing '{closer}' for the '{opener.text}' at character {opener.pos + 1}")
        self._next()
        return node

    def _braces(self, opener: _Token, field: str | None) -> Matcher:
        children: list[Matcher] = []
        while (token := self._peek()) is not None and token.kind != "}":
            if token.kind in ("OR", "AND", ")"):
                raise QueryError(f"unexpected '{token.text}' at character {token.pos + 1} inside {{ }}")
            children.append(self._unary(field))
        if token is None:
            raise QueryError(f"missing '}}' for the '{{' at character {opener.pos + 1}")
        self._next()
        if not children:
            raise QueryError(f"empty {{ }} at character {opener.pos + 1}")
        return children[0] if len(children) == 1 else _Or(tuple(children))

    def _expect(self, kind: str, after: _Token) -> _Token:
        if self._peek() is None or self._peek().kind != kind:  # type: ignore[union-attr]
            raise QueryError(f"expected '{kind}' after '{after.text}:' at character {after.pos + 1}")
        return self._next()

    def _term(self, operator: str, value: str, pos: int) -> Matcher:
        try:
            return TERM_PARSERS[operator](value)
        except ValueError as exc:
            raise QueryError(f"{operator}:{value} at character {pos + 1}: {exc}") from None


# --- boolean nodes -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _And:
    children: tuple[Matcher, ...]

    def matches(self, msg: SearchableMessage, ctx: Context) -> bool:
        return all(child.matches(msg, ctx) for child in self.children)


@dataclass(frozen=True)
class _Or:
    children: tuple[Matcher, ...]

    def matches(self, msg: SearchableMessage, ctx: Context) -> bool:
        return any(child.matches(msg, ctx) for child in self.children)


@dataclass(frozen=True)
class _Not:
    child: Matcher

    def matches(self, msg: SearchableMessage, ctx: Context) -> bool:
        return not self.child.matches(msg, ctx)
