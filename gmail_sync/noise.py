"""Is this mail from a person, or from a machine — and is it our own?

Why this module exists: a helpdesk that answers machines talks to itself. An out-of-office reply to our
acknowledgement would get an acknowledgement of its own, which would get another out-of-office, and so on; a
bounce would open a ticket nobody can answer; a newsletter would wait in the queue for an agent; a
challenge-response robot ("please confirm your message") answered by our acknowledgement answers again. So
automatic mail is recorded on the ticket it belongs to, never opens a ticket, never gets an acknowledgement
(`app/workflow/intake.py`, `gmail_sync/acknowledge.py`), and mail from our own address never becomes a ticket at
all (issue 4, "Noise and loops"). Measured as precision and recall of `automatic` on the corpora in tests/
(sisimai's labelled mail, the delivery reports and complaints of the parse corpus, and our own cases for the
families of issue 17); see `benchmarks/mail_quality.py` and docs/benchmarks.md.

How it works: `classify` reads the headers (a `ParsedMail` or any name → value mapping) and, for a `ParsedMail`,
also the types of the message's own MIME parts and the start of its text. Rules run from the most to the least
specific; the first that fires decides the kind, and `reason` names it:
1. own: the From address is one of `own_addresses` (kind "own", not automatic — an agent writing from Gmail);
2. challenge: a challenge-response robot asking us to prove we are human before it delivers our mail (BoxTrapper's
   X-Boxtrapper header and "Your email requires verification verify#…" subject, TMDA's "Please confirm your
   message" and its "-confirm-" return address, a "Confirm" subject from a robot sender, or a text that both says
   the mailbox is protected from spam and asks us to reply or click to confirm). Not X-CR-HashedPuzzle or
   X-CR-PuzzleID: those are Outlook's anti-spam postmark, present on ordinary mail written by people;
3. bounce: a multipart/report (delivery-status, feedback-report: ARF abuse complaints, RFC 5965), a bare
   message/delivery-status or a message/feedback-report part of the message itself (not of a forwarded one),
   Microsoft's and Amazon SES's "complaint about message from IP", an X-Failed-Recipients header, a mail-daemon
   sender or Return-Path (mailer-daemon, mailer.daemon, postmaster, post_master, post-master, Exchange's
   MicrosoftExchange<hex>) or a "Mail Delivery System"/"Mailer Daemon" display name;
4. auto_reply: RFC 3834 `Auto-Submitted: auto-replied`, X-Autoreply, X-Autorespond, X-Auto-Response-Suppress
   holding All/OOF/AutoReply, `Precedence: auto_reply`, Apple's vacation header, a read receipt (a
   disposition-notification report, or Outlook's "Read:" receipt sent as TNEF);
5. bulk: `Precedence: bulk/junk/list`, List-Id/List-Unsubscribe and other list headers, any other
   `Auto-Submitted` value but "no", a no-reply sender that gives no other address to reply to (contact forms
   send from no-reply *with* the customer in Reply-To, and those are people);
6. weaker signals, used only when no header rule fired: a null Return-Path (<>), which RFC 5321 reserves for
   notifications, and subjects that start like a bounce or an auto-reply ("Undelivered Mail Returned to
   Sender", "Не удается доставить:", "Warning: message … delayed", "Automatic reply:", "Out of Office:",
   "Автоответ", Lotus Notes' upper-case "AUTO: … is out of the office" and "Name is out of the office.", …);
7. otherwise human.
Subjects are matched at their start (a person's "Re: Out of office policy" is not an auto-reply) and the body
phrases only in pairs (a customer may well say "I am protected by a spam filter"; only a robot also asks us to
reply or click to confirm that we sent the mail).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.utils import getaddresses

from gmail_sync.parse import ParsedMail, decode_header_value

AUTO_REPLY, BOUNCE, BULK, CHALLENGE, HUMAN, OWN = "auto_reply", "bounce", "bulk", "challenge", "human", "own"
BODY_CHARS = 3000  # how much of the text the body phrases are looked for in: robots say it at the top


@dataclass(frozen=True)
class Noise:
    automatic: bool
    kind: str  # "auto_reply", "bounce", "bulk", "challenge", "human" or "own"
    reason: str  # which header or rule decided


_DAEMON = re.compile(
    r"^(?:mailer[-_.]?daemon|mail[-_.]?daemon|post[-_.]?master|poostmaster|microsoftexchange[0-9a-f]{32})$", re.I)
_DAEMON_NAME = re.compile(r"^(?:mail delivery (?:system|subsystem|service)|mailer[- ]?daemon)$", re.I)
_REPORT_PARTS = ("message/delivery-status", "message/feedback-report", "message/global-delivery-status")
_COMPLAINT_SUBJECT = re.compile(r"^complaint about message from (?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]{3,39})\b", re.I)
_READ_RECEIPT_SUBJECT = re.compile(r"^(?:read|прочитано|gelesen|lu|leído|letto)\s*:", re.I)
_CHALLENGE_HEADERS = ("x-boxtrapper",)
_CHALLENGE_SUBJECT = re.compile(
    r"^\W*(?:your e-?mail requires verification\b|please confirm your (?:e-?mail )?message\s*$|"
    r"подтвердите отправку (?:письма|сообщения)\s*$)",
    re.I,
)
_CONFIRM_SUBJECT = re.compile(r"^\W*(?:confirm(?:ation)?(?: required| request(?:ed)?)?|подтверждение|подтвердите)\W*$",
                              re.I)
_TMDA_CONFIRM = re.compile(r"-confirm-\d{6,}\.\d+\.[0-9a-f]{4,}$", re.I)
_CHALLENGE_SENTENCE = re.compile(  # sentences only a challenge-response robot writes
    r"requires? that you verify that you are a real|"
    r"allow\w* incoming (?:messages|e-?mails?) only from (?:senders|people) i have approved|"
    r"added to my list of approved senders|to release your message\b",
    re.I,
)
_PROTECTED = re.compile(  # the mailbox says it is guarded ...
    r"\bprotected (?:by|with|from) .{0,60}?\b(?:spam|junk)|"
    r"\byour (?:message|e-?mail) (?:is|was|has been) (?:being )?(?:held|quarantined)|"
    r"защищ[её]н\w* от спама|письмо задержано|сообщение задержано",
    re.I | re.S,
)
_CONFIRM_REQUEST = re.compile(  # ... and asks the sender to prove itself
    r"\b(?:reply|respond|click|visit|follow)\b.{0,80}?\bto (?:confirm|verify|release)\b|"
    r"\bconfirm that you (?:sent|are|wrote)\b|\bverify that you are\b|"
    r"подтвердите,? что вы|чтобы (?:ваше )?письмо было доставлено",
    re.I | re.S,
)
_NO_REPLY = re.compile(r"^(?:no-?reply|do-?not-?reply|donotreply|noreply-[\w.-]*|no_reply)$", re.I)
_SUPPRESS = re.compile(r"\b(?:all|oof|autoreply)\b", re.I)
_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post", "mailing-list", "x-mailing-list", "x-mlserver",
                 "x-ml-name")
_AUTO_REPLY_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponder", "x-mail-autoreply", "x-autoreply-from")
_BOUNCE_SUBJECT = re.compile(
    r"^\W*(?:undeliver(?:ed|able)|delivery status notification|delivery (?:notification|failure|report)|"
    r"returned mail|mail delivery (?:failed|failure)|failure notice|mail system error|non recapitabile|"
    r"unzustellbar|non remis|no se puede entregar|onbestelbaar|недоставленное сообщение|"
    r"ошибка доставки|delivery has failed|delayed mail\b|warning: message \S+ delayed|"
    r"не удается доставить\s*:|не удалось доставить\s*:)",
    re.I,
)
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\W*(?:out of (?:the )?office|automatic reply|auto[- ]?reply|auto[- ]?respons\w*|autoresponder|"
    r"vacation reply|away from (?:the|my) office|abwesenheitsnotiz|automatische antwort|"
    r"réponse automatique|respuesta automática|risposta automatica|automatisch antwoord|resposta automática|"
    r"автоответ|автоматический ответ|自動応答|自動返信|自动回复|自動回覆)\s*(?:[:：(\-]|$)",
    re.I,
)
_NOTES_AUTO_SUBJECT = re.compile(  # Lotus Notes: "AUTO: Name is out of the office (returning …)", upper case
    r"^AUTO:\s|^(?i:auto:\s.*\bout of (?:the )?office\b)")
_NOTES_AWAY_SUBJECT = re.compile(  # older Notes: "Name is out of the office." and nothing else
    r"^[^,;:?!]{1,60}\bis out of (?:the )?office\.?(?:\s*\((?:returning|back|until)[^)]*\))?\s*$", re.I)


def classify(raw_headers: Mapping[str, str] | ParsedMail, *, own_addresses: Iterable[str] = ()) -> Noise:
    """Decide whether a mail is automatic, and which kind: from its headers, and for a `ParsedMail` also from the
    types of its own MIME parts and the start of its text."""
    mail = _Mail.read(raw_headers)
    own = {address.strip().lower() for address in own_addresses}
    if mail.sender and mail.sender in own:
        return Noise(False, OWN, f"From {mail.sender} is our own address")
    for rule in (_challenge, _bounce, _auto_reply, _bulk, _weak):
        found = rule(mail)
        if found is not None:
            return Noise(True, found[0], found[1])
    return Noise(False, HUMAN, "no automatic-mail header or subject")


@dataclass(frozen=True)
class _Mail:
    """What the rules read: lower-cased header names → decoded values, the From address, the content types of the
    message's own parts (not those of a message forwarded inside it), and the start of its text."""

    headers: dict[str, str]
    sender: str
    part_types: tuple[str, ...] = ()
    body: str = ""

    @classmethod
    def read(cls, source: Mapping[str, str] | ParsedMail) -> _Mail:
        if isinstance(source, ParsedMail):
            own_parts = tuple(a.content_type.lower() for a in source.attachments if "." not in a.part_id)
            return cls(dict(source.headers), source.from_email, own_parts, source.text[:BODY_CHARS])
        headers = {str(name).lower(): decode_header_value(str(value)) for name, value in source.items()}
        return cls(headers, _address(headers.get("from", "")))

    def get(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)


def _address(value: str) -> str:
    try:
        pairs = getaddresses([value])
    except Exception:  # noqa: BLE001 - an unparseable From has no usable address
        return ""
    return next((email.strip().lower() for _, email in pairs if "@" in email), "")


def _local_part(address: str) -> str:
    return address.rpartition("@")[0] if "@" in address else address


def _challenge(mail: _Mail) -> tuple[str, str] | None:
    for name in _CHALLENGE_HEADERS:
        if name in mail.headers:
            return CHALLENGE, f"{name} header (challenge-response)"
    subject = mail.get("subject").strip()
    if _CHALLENGE_SUBJECT.match(subject):
        return CHALLENGE, f"subject of a challenge-response robot: {subject[:60]!r}"
    if _TMDA_CONFIRM.search(_local_part(mail.sender)):
        return CHALLENGE, f"sender {mail.sender} is a confirmation address (TMDA)"
    if _CHALLENGE_SENTENCE.search(mail.body):
        return CHALLENGE, "the text asks us to get approved as a sender (challenge-response)"
    protected, asks = _PROTECTED.search(mail.body), _CONFIRM_REQUEST.search(mail.body)
    if protected and asks:
        return CHALLENGE, "the text says the mailbox is spam-protected and asks us to confirm (challenge-response)"
    if _CONFIRM_SUBJECT.match(subject) and (protected or asks or _is_robot(mail.sender)):
        return CHALLENGE, f"subject {subject[:20]!r} from a robot or with a confirmation request"
    return None


def _is_robot(address: str) -> bool:
    local = _local_part(address)
    return bool(_DAEMON.match(local) or _NO_REPLY.match(local))


def _bounce(mail: _Mail) -> tuple[str, str] | None:
    content_type = mail.get("content-type").lower()
    if content_type.startswith("multipart/report"):
        report = re.search(r"report-type\s*=\s*\"?([\w-]+)", content_type)
        report_type = report.group(1) if report else "unknown"
        if report_type != "disposition-notification":  # read receipts are replies, see _auto_reply
            return BOUNCE, f"Content-Type multipart/report; report-type={report_type}"
    for part_type in (content_type.split(";")[0].strip(), *mail.part_types):
        if part_type in _REPORT_PARTS:
            what = "an abuse report (ARF)" if "feedback" in part_type else "a delivery report"
            return BOUNCE, f"{part_type} part: {what}"
    subject = mail.get("subject").strip()
    if _COMPLAINT_SUBJECT.match(subject):
        return BOUNCE, f"abuse complaint (feedback loop): {subject[:60]!r}"
    if "x-failed-recipients" in mail.headers:
        return BOUNCE, "X-Failed-Recipients header"
    if _DAEMON.match(_local_part(mail.sender)):
        return BOUNCE, f"sender {mail.sender} is a mail daemon"
    names = [name for name, _ in _safe_pairs(mail.get("from"))]
    if any(_DAEMON_NAME.match(name.strip()) for name in names):
        return BOUNCE, "sender named Mail Delivery System"
    return_path = _address(mail.get("return-path")) or mail.get("return-path").strip("<> \t")
    if _DAEMON.match(_local_part(return_path)):
        return BOUNCE, f"Return-Path {return_path} is a mail daemon"
    return None


def _auto_reply(mail: _Mail) -> tuple[str, str] | None:
    headers = mail.headers
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
    content_type = headers.get("content-type", "").lower()
    if "multipart/report" in content_type:
        return AUTO_REPLY, "read receipt (report-type=disposition-notification)"
    if _READ_RECEIPT_SUBJECT.match(headers.get("subject", "")) and content_type.startswith("application/ms-tnef"):
        return AUTO_REPLY, "read receipt (Outlook, sent as TNEF)"
    return None


def _bulk(mail: _Mail) -> tuple[str, str] | None:
    headers, sender = mail.headers, mail.sender
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


def _weak(mail: _Mail) -> tuple[str, str] | None:
    headers, sender = mail.headers, mail.sender
    subject = headers.get("subject", "").strip()
    if _BOUNCE_SUBJECT.match(subject):
        return BOUNCE, f"subject looks like a bounce: {subject[:60]!r}"
    if _AUTO_REPLY_SUBJECT.match(subject) or _NOTES_AUTO_SUBJECT.match(subject) or _NOTES_AWAY_SUBJECT.match(subject):
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
