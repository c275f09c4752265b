"""Is this mail from a person, or from a machine — and is it our own?

Why this module exists: a helpdesk that answers machines talks to itself. An out-of-office reply to our
acknowledgement would get an acknowledgement of its own, which would get another out-of-office, and so on; a
bounce would open a ticket nobody can answer; a newsletter would wait in the queue for an agent. So automatic
mail is recorded on the ticket it belongs to, never opens a ticket, never gets an acknowledgement, and mail from
our own address never becomes a ticket at all (issue 4, "Noise and loops"). Measured on the sisimai corpus as
precision and recall of `automatic` (see `benchmarks/mail_quality.py`).

How it works: `classify` reads headers only (a `ParsedMail` or any name → value mapping), checking rules from
the most to the least specific; the first that fires decides the kind, and `reason` names it:
1. own: the From address is one of `own_addresses` (kind "own", not automatic — an agent writing from Gmail);
2. bounce: a multipart/report (delivery-status, feedback-report), an X-Failed-Recipients header, a
   mailer-daemon/postmaster sender or Return-Path;
3. auto_reply: RFC 3834 `Auto-Submitted: auto-replied`, X-Autoreply, X-Autorespond, X-Auto-Response-Suppress
   holding All/OOF/AutoReply, `Precedence: auto_reply`, Apple's vacation header, a read receipt;
4. bulk: `Precedence: bulk/junk/list`, List-Id/List-Unsubscribe and other list headers, any other
   `Auto-Submitted` value but "no", a no-reply sender that gives no other address to reply to (contact forms
   send from no-reply *with* the customer in Reply-To, and those are people);
5. weaker signals, used only when no header rule fired: a null Return-Path (<>), which RFC 5321 reserves for
   notifications, and subjects that start like a bounce or an auto-reply ("Undelivered Mail Returned to
   Sender", "Automatic reply:", "Out of Office:", "Автоответ", …);
6. otherwise human.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.utils import getaddresses

from gmail_sync.parse import ParsedMail, decode_header_value

AUTO_REPLY, BOUNCE, BULK, HUMAN, OWN = "auto_reply", "bounce", "bulk", "human", "own"


@dataclass(frozen=True)
class Noise:
    automatic: bool
    kind: str  # "auto_reply", "bounce", "bulk", "human" or "own"
    reason: str  # which header or rule decided


_DAEMON = re.compile(r"^(?:mailer-daemon|mailer_daemon|mailerdaemon|mail-daemon|postmaster|poostmaster)$", re.I)
_DAEMON_NAME = re.compile(r"^mail delivery (?:system|subsystem|service)$", re.I)
_NO_REPLY = re.compile(r"^(?:no-?reply|do-?not-?reply|donotreply|noreply-[\w.-]*|no_reply)$", re.I)
_SUPPRESS = re.compile(r"\b(?:all|oof|autoreply)\b", re.I)
_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post", "mailing-list", "x-mailing-list", "x-mlserver",
                 "x-ml-name")
_AUTO_REPLY_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponder", "x-mail-autoreply", "x-autoreply-from")
_BOUNCE_SUBJECT = re.compile(
    r"^\W*(?:undeliver(?:ed|able)|delivery status notification|delivery (?:notification|failure|report)|"
    r"returned mail|mail delivery (?:failed|failure)|failure notice|mail system error|non recapitabile|"
    r"unzustellbar|non remis|no se puede entregar|onbestelbaar|недоставленное сообщение|"
    r"ошибка доставки|delivery has failed)",
    re.I,
)
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\W*(?:out of (?:the )?office|automatic reply|auto[- ]?reply|auto[- ]?respons\w*|autoresponder|"
    r"vacation reply|away from (?:the|my) office|abwesenheitsnotiz|automatische antwort|"
    r"réponse automatique|respuesta automática|risposta automatica|automatisch antwoord|resposta automática|"
    r"автоответ|автоматический ответ|自動応答|自動返信|自动回复|自動回覆)\s*(?:[:：(\-]|$)",
    re.I,
)


def classify(raw_headers: Mapping[str, str] | ParsedMail, *, own_addresses: Iterable[str] = ()) -> Noise:
    """Decide whether a mail is automatic, and which kind, from its headers alone."""
    headers, sender = _headers_and_sender(raw_headers)
    own = {address.strip().lower() for address in own_addresses}
    if sender and sender in own:
        return Noise(False, OWN, f"From {sender} is our own address")
    for rule in (_bounce, _auto_reply, _bulk, _weak):
        found = rule(headers, sender)
        if found is not None:
            return Noise(True, found[0], found[1])
    return Noise(False, HUMAN, "no automatic-mail header or subject")


def _headers_and_sender(source: Mapping[str, str] | ParsedMail) -> tuple[dict[str, str], str]:
    if isinstance(source, ParsedMail):
        return dict(source.headers), source.from_email
    headers = {str(name).lower(): decode_header_value(str(value)) for name, value in source.items()}
    return headers, _address(headers.get("from", ""))


def _address(value: str) -> str:
    try:
        pairs = getaddresses([value])
    except Exception:  # noqa: BLE001 - an unparseable From has no usable address
        return ""
    return next((email.strip().lower() for _, email in pairs if "@" in email), "")


def _local_part(address: str) -> str:
    return address.rpartition("@")[0] if "@" in address else address


def _bounce(headers: dict[str, str], sender: str) -> tuple[str, str] | None:
    content_type = headers.get("content-type", "").lower()
    if content_type.startswith("multipart/report"):
        report = re.search(r"report-type\s*=\s*\"?([\w-]+)", content_type)
        report_type = report.group(1) if report else "unknown"
        if report_type != "disposition-notification":  # read receipts are replies, see _auto_reply
            return BOUNCE, f"Content-Type multipart/report; report-type={report_type}"
    if "x-failed-recipients" in headers:
        return BOUNCE, "X-Failed-Recipients header"
    if _DAEMON.match(_local_part(sender)):
        return BOUNCE, f"sender {sender} is a mail daemon"
    names = [name for name, _ in _safe_pairs(headers.get("from", ""))]
    if any(_DAEMON_NAME.match(name.strip()) for name in names):
        return BOUNCE, "sender named Mail Delivery System"
    return_path = _address(headers.get("return-path", "")) or headers.get("return-path", "").strip("<> \t")
    if _DAEMON.match(_local_part(return_path)):
        return BOUNCE, f"Return-Path {return_path} is a mail daemon"
    return None


def _auto_reply(headers: dict[str, str], sender: str) -> tuple[str, str] | None:
    submitted = _token(headers.get("auto-submitted"))
    if submitted == "auto-replied":
        return AUTO_REPLY, "Auto-Submitted: auto-replied (RFC 3834)"
    for name in _AUTO_REPLY_HEADERS:
        if name in headers and _token(headers[name]) not in ("no", "false", "0"):
            return AUTO_REPLY, f"{name} header"
    suppress = headers.get("x-auto-response-suppress", "")
    if _SUPPRESS.search(suppress):
        return AUTO_REPLY, f"X-Auto-Response-Suppress: {suppress.strip()}"
    if _token(headers.get("precedence")) in ("auto_reply", "auto-reply"):
        return AUTO_REPLY, "Precedence: auto_reply"
    if _token(headers.get("x-apple-action")) == "vacation" or "x-vacation" in headers:
        return AUTO_REPLY, "vacation-notice header"
    if "multipart/report" in headers.get("content-type", "").lower():
        return AUTO_REPLY, "read receipt (report-type=disposition-notification)"
    return None


def _bulk(headers: dict[str, str], sender: str) -> tuple[str, str] | None:
    precedence = _token(headers.get("precedence"))
    if precedence in ("bulk", "junk", "list"):
        return BULK, f"Precedence: {precedence}"
    for name in _LIST_HEADERS:
        if name in headers:
            return BULK, f"{name} header (mailing list)"
    submitted = _token(headers.get("auto-submitted"))
    if submitted and submitted != "no":
        return BULK, f"Auto-Submitted: {submitted}"
    if _NO_REPLY.match(_local_part(sender)):
        reply_to = _address(headers.get("reply-to", ""))
        if not reply_to or _NO_REPLY.match(_local_part(reply_to)):
            return BULK, f"no-reply sender {sender} with no other address to reply to"
    return None


def _weak(headers: dict[str, str], sender: str) -> tuple[str, str] | None:
    subject = headers.get("subject", "")
    if _BOUNCE_SUBJECT.match(subject):
        return BOUNCE, f"subject looks like a bounce: {subject[:60]!r}"
    if _AUTO_REPLY_SUBJECT.match(subject):
        return AUTO_REPLY, f"subject looks like an auto-reply: {subject[:60]!r}"
    return_path = headers.get("return-path")
    if return_path is not None and return_path.strip() in ("<>", "", "<null>"):
        return BOUNCE, "null Return-Path <> (a notification, RFC 5321)"
    if not sender and "from" in headers and headers["from"].strip() in ("<>", ""):
        return BOUNCE, "empty From <>"
    return None


def _token(value: str | None) -> str:
    """The first token of a header value, lower-cased: "auto-replied; owner-email=…" → "auto-replied"."""
    return re.split(r"[;\s]", (value or "").strip().lower(), maxsplit=1)[0]


def _safe_pairs(value: str) -> list[tuple[str, str]]:
    try:
        return getaddresses([value])
    except Exception:  # noqa: BLE001
        return []
