"""The visible reply: the customer's new words, without the quoted history and the signature under them.

Why this module exists: a reply carries the whole thread below it ("On Mon, … wrote:", "-----Original
Message-----", "> " quotes, Outlook's From:/Sent:/To:/Subject: block) and a signature ("-- ", "Sent from my
iPhone"). Agents read tickets message by message, so each message shows only what is new; the whole text is
always kept as well. Measured against the discourse corpus and our own cases (emails → trimmed), see
`benchmarks/mail_quality.py`.

How it works — our own rules, in two passes:
1. Classify. Line endings are normalised and the text is cut into items: blank lines, text, quote blocks
   (">", "|", supercite "AB>"), attributions ("On … wrote:" and its translations, possibly wrapped over up to
   six lines, the verb even glued to the address as in "<a@b.c>wrote:"; Gmail's and Yandex's date-first
   "2016-03-03 17:21 GMT+01:00 Name <a@b>:" and "02.12.2026, 14:31, "Name" <a@b>:"; mail.ru's verbless
   "Среда, 2 декабря 2026, 14:31 +03:00 от Name <a@b>:"), header blocks (a From-like line followed by two more
   mail headers, or — as Outlook writes them — a block starting with Date:/Sent:/Отправлено:/… that holds three
   headers, one a From-like line with an address; in a dozen languages), original/forwarded-message markers,
   signature starts ("--", and a phone's "Sent from my iPhone" line: one that names a device or mail app and
   says nothing more; "Sent from my desk, the backup failed" is a sentence, and a "Sent from …" line naming no
   device ends the reply only where nothing but history follows it) and delimiter lines ("____", "***", "ᐧ").
   Lines between ``` fences are always text. A wrapped attribution is matched on its joined lines; when several
   starts fit, the latest one that looks like an attribution start ("On", "Le", "Am", a date, …) wins, so the
   text above is kept.
2. Select, top to bottom:
   - text and blank lines are kept;
   - a quote block followed by text is kept (interleaved or bottom-posted answers); a trailing quote after the
     reply ends it; a message that is only a quote keeps it, unless the quote itself holds nothing new;
   - an attribution before any text (bottom-posting) is dropped together with the quote under it; after text it
     ends the reply, unless quote and more text follow it (an interleaved answer), where only it is dropped;
   - a marker or header block ends the reply, or is skipped when nothing came before it (a forwarded mail);
   - a signature start ends the reply; a delimiter does when it stands after a blank line or before a marker.
Leading blank lines and trailing whitespace are removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Beyond these, the rest counts as history (the whole text is always kept): a "reply" that long is pasted data or
# hostile input, and the bound keeps the trimmer's time per message small.
MAX_CHARS = 100_000
MAX_LINES = 5_000
MAX_QUOTE_DEPTH = 20
_SPAN = 6  # lines an attribution may wrap over

BLANK, TEXT, QUOTE, ATTR, HEADERS, MARKER, SIG, MOBILE, DELIM = (
    "blank text quote attr headers marker sig mobile delim".split())
_ENDS = (ATTR, HEADERS, MARKER, SIG, MOBILE)

_QUOTE = re.compile(r"^[ \t]{0,3}(?:>|[A-Za-z]{1,3}>(?=[ \t>]|$)|\|(?=[ \t]|$)(?!.*\|[ \t]*$))")
_FENCE = re.compile(r"^[ \t]*```")
_DELIM = re.compile(r"^[ \t]*(?:[-_=*~#+•·—–]{2,}|ᐧ)[ \t]*$")
_SIGNATURE = re.compile(r"^[ \t]*--[ \t]?$")
_MOBILE = re.compile(
    r"^[ \t(<*]*(?:"
    r"sent (?:from|via|with|using|by|on) .{1,80}|get (?:\[)?outlook for .{1,40}|"
    r"envoy[ée] (?:de|depuis|à partir de) mon .{1,60}|von meinem .{1,60} gesendet\.?|"
    r"diese nachricht wurde von meinem .{1,80} gesendet\.?|gesendet von .{1,60}|"
    r"(?:sendt|skickat|lähetetty) (?:fra|från|från min|fra min|laitteesta) .{1,60}|"
    r"verzonden (?:met|vanaf|van|via) .{1,60}|enviado (?:desde|de|do) (?:mi|meu|o meu|my) .{1,60}|"
    r"inviato da .{1,60}|wysłane z .{1,60}|отправлено (?:с|из) .{1,60}|"
    r"(?:从|從)我的 ?.{1,30}(?:发送|傳送|發送)|iphoneから送信|"
    r"<<sent by .{1,40}>>"
    r")[ \t)>*]*$",
    re.IGNORECASE,
)
# What tells a phone's signature line from a sentence that happens to start like one ("Sent from my desk, the
# backup failed again"): a device or mail app named, and nothing after it but a short apology for typos.
_DEVICE = re.compile(
    r"iphone|ipad|ipod|android|samsung|galaxy|pixel|huawei|xiaomi|honor|nokia|blackberry|mobile|phone|tablet|"
    r"outlook|yahoo|mail\.ru|aol|gmail|windows|\bios\b|handy|móvil|celular|cellulare|telefon|"
    r"мобильн|телефон|смартфон|планшет|почт|яндекс|手机|手機|携帯|移动",
    re.IGNORECASE,
)
_CONTINUES = re.compile(r"[,;:!?][ \t]+\S|\.[ \t]+\S")
_APOLOGY = re.compile(r"excuse|pardon|forgive|typo|brevity|brief|sorry|извините|простите|опечат", re.IGNORECASE)
_MARKER = re.compile(
    r"^[ \t*_]*(?:-{2,}[ \t]*(?:original message|forwarded message|original-nachricht|ursprüngliche nachricht|"
    r"weitergeleitete nachricht|mensaje original|mensaje reenviado|message d'origine|message transféré|"
    r"messaggio originale|messaggio inoltrato|oorspronkelijk bericht|doorgestuurd bericht|originalmeddelande|"
    r"vidarebefordrat meddelande|opprinnelig melding|videresendt melding|oprindelig meddelelse|"
    r"wiadomość oryginalna|wiadomość przekazana dalej|исходное сообщение|пересылаемое сообщение|"
    r"mensagem original|mensagem encaminhada|alkuperäinen viesti|původní zpráva|eredeti üzenet|"
    r"orijinal mesaj|原始邮件|原始郵件|転送されたメッセージ|元のメッセージ)[ \t]*-{2,}|"
    r"(?:begin forwarded message|anfang der weitergeleiteten nachricht|début du message réexpédié|"
    r"inicio del mensaje reenviado|início da mensagem reencaminhada)[ \t]*:?)[ \t*_]*$",
    re.IGNORECASE,
)

# Attributions, matched on the joined (whitespace-collapsed) lines of a candidate span.
_VERBS = (
    r"wrote|writes|schrieb|schreef|het volgende geschreven|geschreven|a écrit|a ecrit|escribió|escribio|"
    r"escreveu|ha scritto|skrev|napisał\(a\)|napisała|napisał|napsal\(a\)|napsal|написал\(а\)|написала|"
    r"написал|пишет|пише|написав|kirjoitti|yazdı|írta|έγραψε|a scris|va escriure|menulis|đã viết|写道|寫道"
)
_VERB_FINAL = re.compile(rf"^.{{2,350}}?(?:\s|(?<=[>)\]]))(?:{_VERBS})\s*(?:[:：]|-{{2,}})$", re.IGNORECASE)
_VERB_MID = re.compile(r"^.{2,200}?\s(?:schrieb|schreef|skrev|kirjoitti)\s.{1,200}[:：]$", re.IGNORECASE)
_DATE_FIRST = re.compile(
    r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{4},?|\d{4}年\d{1,2}月\d{1,2}日\S*)"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?(?:\s*(?:GMT|UTC)\s*[+-]?\d{0,2}:?\d{0,2})?\s+\S.{0,150}$"
)
# mail.ru (and its English UI): "Среда, 2 декабря 2026, 14:31 +03:00 от Иван Петров <ivan@mail.ru>:", a date, a
# time, then "от"/"from" and the sender; no verb at all.
_DATED_FROM = re.compile(
    r"^(?:[^\W\d_]{2,12}\.?,\s*)?(?:\d{1,2}\.?\s+[^\W\d_]{3,10}\.?|[^\W\d_]{3,10}\.?\s+\d{1,2},?)\s+\d{4}"
    r"(?:\s*г\.)?,?\s+(?:в\s+|at\s+)?\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?"
    r"(?:\s*(?:[+-]\d{2}:?\d{2}|GMT|UTC|MSK))?,?\s+(?:от|from)\s+\S.{0,200}[:：]$",
    re.IGNORECASE,
)
_STRONG_START = re.compile(
    r"^(?:-{2,}\s*)?(?:(?:On|At|Le|Am|El|Em|Il|Op|Den|Dnia|W dniu|Dne|På|Kun|Pada|Vào|Il giorno)\s|\d|"
    r"\w+,\s*\d)"
)

_ADDRESS = re.compile(r"@[\w-]+\.|mailto:", re.IGNORECASE)
_LABEL = re.compile(r"^[ \t*]*([^\W\d_][\w '\-]{0,24}?)[ \t*]*[:：]")
_FROM_LABELS = frozenset(
    "from von de da från fra van od от 发件人 寄件者 差出人 kimden lähettäjä expéditeur feladó".split()
)
_HEADER_LABELS = _FROM_LABELS | frozenset(
    "sent date to cc bcc subject reply-to gesendet an betreff datum enviado para asunto fecha data a oggetto "
    "inviato risposta rispondi skickat till ämne sendt til emne verzonden aan onderwerp wysłano do temat "
    "отправлено кому тема дата envoyé à objet 发送时间 收件人 主题 傳送時間 收件者 主旨 送信日時 宛先 件名 "
    "gönderildi kime konu lähetetty vastaanottaja aihe".split()
)


@dataclass(frozen=True)
class _Item:
    kind: str
    start: int
    end: int  # exclusive line index


def visible_reply(text: str, _depth: int = 0) -> str:
    """The new part of a reply: quoted history and signature removed, line endings normalised."""
    lines = text[:MAX_CHARS].replace("\r\n", "\n").replace("\r", "\n").split("\n")[:MAX_LINES]
    kept = _select(_Items(lines), lines, _depth)
    while kept and not kept[0].strip():
        kept.pop(0)
    return "\n".join(kept).rstrip()


# --- pass 1: classify ----------------------------------------------------------------------------------------


class _Items:
    """Pass 1's items, classified only as far as pass 2 reads: it stops at the end of the reply, so the quoted
    history under it (often most of the mail) is never classified."""

    def __init__(self, lines: list[str]) -> None:
        self._source = _classify(lines)
        self._seen: list[_Item] = []

    def get(self, i: int) -> _Item | None:
        while len(self._seen) <= i:
            item = next(self._source, None)
            if item is None:
                return None
            self._seen.append(item)
        return self._seen[i]


class _Lines:
    """The lines, with what pass 1 asks of a line more than once computed on first use and kept."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self._stripped: list[str | None] = [None] * len(lines)
        self._kinds: list[str | None] = [None] * len(lines)

    def stripped(self, i: int) -> str:
        value = self._stripped[i]
        if value is None:
            value = self._stripped[i] = self.lines[i].strip()
        return value

    def kind(self, i: int) -> str:
        value = self._kinds[i]
        if value is None:
            value = self._kinds[i] = _line_kind(self.lines[i], self.stripped(i))
        return value

    def could_end(self, i: int) -> bool:
        return self.stripped(i).endswith((":", "：", "--"))


def _classify(lines: list[str]) -> Iterator[_Item]:
    text = _Lines(lines)
    in_fence = False
    i = 0
    while i < len(lines):
        if _FENCE.match(lines[i]) or in_fence:
            in_fence = in_fence != bool(_FENCE.match(lines[i]))
            yield _Item(TEXT, i, i + 1)
            i += 1
            continue
        kind, end = text.kind(i), i + 1
        if kind == TEXT:
            headers_end = _header_block_end(lines, i)
            attribution_end = None if headers_end else _attribution_end(text, i)
            if headers_end:
                kind, end = HEADERS, headers_end
            elif attribution_end:
                kind, end = ATTR, attribution_end
        elif kind == QUOTE:
            while end < len(lines) and text.kind(end) == QUOTE and not _FENCE.match(lines[end]):
                end += 1
        yield _Item(kind, i, end)
        i = end


def _line_kind(line: str, stripped: str) -> str:
    if not stripped:
        return BLANK
    if _QUOTE.match(line):
        return QUOTE
    if _SIGNATURE.match(line):
        return SIG
    if len(stripped) <= 120 and _MOBILE.match(stripped):
        return _mobile_kind(stripped)
    if _DELIM.match(line):
        return DELIM
    if len(stripped) <= 120 and _MARKER.match(stripped):
        return MARKER
    return TEXT


def _mobile_kind(stripped: str) -> str:
    """A "Sent from …" line: a signature when it names a device or app and says nothing more (but sorry for typos);
    a sentence ("Sent from my desk, the backup failed") when more follows on the line; otherwise a signature only
    where the reply ends (MOBILE, decided in pass 2)."""
    continues = _CONTINUES.search(stripped)
    if continues:
        rest = stripped[continues.start() + 1:]
        if not (_DEVICE.search(stripped) and _APOLOGY.search(rest) and len(rest.split()) <= 6):
            return TEXT
    if _DEVICE.search(stripped):
        return SIG
    return MOBILE if len(stripped.split()) <= 8 else TEXT


def _attribution_end(text: _Lines, start: int) -> int | None:
    """End of the attribution that starts at `start`, if one does and no later line is a better start."""
    end = _shortest_match(text, start)
    if end is None:
        return None
    best = start
    for later in range(start + 1, end):
        if _plausible_start(text, later) and _matches(text, later, end):
            if _STRONG_START.match(text.stripped(later)) or not _STRONG_START.match(text.stripped(best)):
                best = later
    return end if best == start else None


def _shortest_match(text: _Lines, start: int) -> int | None:
    last_end = min(start + _SPAN, len(text.lines))
    date_first = text.stripped(start)[:1].isdigit()
    if not (date_first or any(text.could_end(i) for i in range(start, last_end))):
        return None
    if not _plausible_start(text, start):
        return None
    for end in range(start + 1, last_end + 1):
        last = text.stripped(end - 1)
        if end - 1 > start and text.kind(end - 1) == QUOTE and len(last) > 10:
            return None  # only a stray "> wrote:" or ">:" of a wrapped attribution may look like a quote
        could_end = text.could_end(end - 1) or (date_first and not last.endswith(("<", "(", ",")))
        if could_end and _matches(text, start, end):
            return end
    return None


def _plausible_start(text: _Lines, i: int) -> bool:
    return text.kind(i) == TEXT and not text.stripped(i).startswith(("<", ">", "(", "mailto:"))


def _matches(text: _Lines, start: int, end: int) -> bool:
    span = [text.stripped(i) for i in range(start, end)]
    if sum(map(len, span)) > 500:
        return False
    joined = re.sub(r"\s+", " ", " ".join(line for line in span if line))
    if len(joined) > 400:
        return False
    if _VERB_FINAL.match(joined) or _VERB_MID.match(joined):
        return bool(re.search(r"\d|@", joined))
    if _DATED_FROM.match(joined):
        return "@" in joined
    if _DATE_FIRST.match(joined):  # verbless: only with a zone or an address, not "2026-11-23 14:00 log:"
        return bool(re.search(r"GMT|UTC|@", joined))
    return False


def _header_block_end(lines: list[str], start: int) -> int | None:
    """End (at the next blank line) of a forwarded/quoted header block: a From-like line, then two more mail
    headers; or a block that starts with another header (Outlook's "Date:", "Отправлено:", …) and holds three,
    one of them a From-like line with an address."""
    first = _label(lines[start])
    if first not in _HEADER_LABELS:
        return None
    known, addressed_from = 0, False
    end = start + 1
    while end < len(lines) and lines[end].strip():
        label = _label(lines[end]) if end - start <= 6 else None
        if label in _HEADER_LABELS:
            known += 1
            addressed_from = addressed_from or (label in _FROM_LABELS and bool(_ADDRESS.search(lines[end])))
        end += 1
    if first in _FROM_LABELS:
        return end if known >= 2 else None
    return end if known >= 2 and addressed_from else None


def _label(line: str) -> str | None:
    match = _LABEL.match(line)
    return match.group(1).strip().lower() if match else None


# --- pass 2: select ------------------------------------------------------------------------------------------


def _select(items: _Items, lines: list[str], depth: int) -> list[str]:
    kept: list[str] = []
    seen_text = False
    i = 0
    while (item := items.get(i)) is not None:
        after = _next_kind(items, i + 1)
        if item.kind == BLANK or item.kind == TEXT:
            kept.extend(lines[item.start:item.end])
            seen_text = seen_text or item.kind == TEXT
        elif item.kind == QUOTE:
            if after == TEXT:
                kept.extend(lines[item.start:item.end])
                seen_text = True
            else:
                if not seen_text and _has_news(lines[item.start:item.end], depth):
                    kept.extend(lines[item.start:item.end])
                break
        elif item.kind == ATTR:
            if not seen_text:
                i = _skip_quote_after(items, i)
            elif not (after == QUOTE and _next_kind(items, _next_index(items, i + 1) + 1) == TEXT):
                break
        elif item.kind in (HEADERS, MARKER):
            if seen_text:
                break
        elif item.kind == DELIM:
            if seen_text and (not lines[item.start - 1].strip() or after in _ENDS):
                break
            if seen_text:
                kept.extend(lines[item.start:item.end])
        elif item.kind == MOBILE and after == TEXT:  # "Sent from the web form" with more words under it
            kept.extend(lines[item.start:item.end])
            seen_text = True
        else:  # SIG, or MOBILE where the reply ends
            break
        i += 1
    return kept


def _next_index(items: _Items, i: int) -> int:
    while (item := items.get(i)) is not None and item.kind == BLANK:
        i += 1
    return i


def _next_kind(items: _Items, i: int) -> str | None:
    item = items.get(_next_index(items, i))
    return item.kind if item is not None else None


def _skip_quote_after(items: _Items, i: int) -> int:
    """Index of the last item to skip with a leading attribution: the quote under it, if there is one."""
    following = _next_index(items, i + 1)
    return following if _next_kind(items, following) == QUOTE else i


def _has_news(quote: list[str], depth: int) -> bool:
    """Whether a message that is only a quote quotes anything but attributions (e.g. a loop of empty replies)."""
    if depth >= MAX_QUOTE_DEPTH:
        return True
    inner = [re.sub(r"^[ \t]{0,3}(?:[A-Za-z]{0,3}>|\|) ?", "", line, count=1) for line in quote]
    return bool(visible_reply("\n".join(inner), depth + 1).strip())
