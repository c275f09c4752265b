"""gmail_sync.noise: automatic mail (auto-replies, bounces, bulk) and our own mail, over the sisimai corpus.

The corpus folder is the label: autoreply/ must come out kind "auto_reply", bounce/ "bounce" (a few bounces
that carry none of the bounce headers come out "bulk", which is still automatic — allowed), human/ "human".
One file is labelled human but is a machine's mail by every header we know: human/rb-issue-368-bug.eml comes
from postmaster@ with `Auto-Submitted: auto-replied` and `Return-Path: <>`, announcing "Your message was rejected
… Mailbox full". sisimai files it under "not" because *its* bounce parser must not read it as a standard DSN;
for a helpdesk it is exactly the mail that must not open a ticket. It is pinned as automatic below, and counts
as a false positive in the precision figure, which is measured against the corpus labels as they are.

Measured when written (131 automatic files, 3 human): precision 131/132 = 99.2 %, recall 131/131 = 100 %.
Thresholds sit just below: precision ≥ 0.99, recall ≥ 0.99.

Issue 17 widened the rules (ARF complaints, more bounce senders, Lotus Notes, challenge-response robots) and the
measurement: every labelled file in tests/ (`tests.corpora.automatic_mail_cases`: sisimai, the parse corpus's
bounce/complaint/report folders and its ordinary mail, our own cases in tests/mail_cases) must reach the issue's
precision ≥ 99.5 % and recall ≥ 99.5 %, and every one of our own cases must come out as its family's kind.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gmail_sync.noise import Noise, classify
from gmail_sync.parse import parse_mail
from tests import corpora
from tests.corpora import AUTOMATIC_FAMILIES, OUR_CASES, automatic_mail_cases

CORPUS = corpora.CORPUS / "auto" / "sisimai"
PRECISION_THRESHOLD = 0.99
RECALL_THRESHOLD = 0.99
AUTOMATIC_THOUGH_LABELLED_HUMAN = {"rb-issue-368-bug.eml"}


def corpus(folder: str) -> list[Path]:
    directory = CORPUS / folder
    return sorted(directory.iterdir()) if directory.is_dir() else []


def classify_file(path: Path) -> Noise:
    return classify(parse_mail(path.read_bytes()))


def _name(path: Path) -> str:
    return path.name


def test_the_corpus_is_there() -> None:
    assert len(corpus("autoreply")) >= 5 and len(corpus("bounce")) >= 100 and len(corpus("human")) >= 3


@pytest.mark.parametrize("path", corpus("autoreply"), ids=_name)
def test_autoreplies_are_auto_replies(path: Path) -> None:
    noise = classify_file(path)
    assert (noise.automatic, noise.kind) == (True, "auto_reply"), noise.reason


@pytest.mark.parametrize("path", corpus("bounce"), ids=_name)
def test_bounces_are_automatic(path: Path) -> None:
    noise = classify_file(path)
    assert noise.automatic and noise.kind in ("bounce", "bulk"), noise.reason


@pytest.mark.parametrize("path", [p for p in corpus("human") if p.name not in AUTOMATIC_THOUGH_LABELLED_HUMAN],
                         ids=_name)
def test_human_mail_is_human(path: Path) -> None:
    assert classify_file(path) == Noise(False, "human", "no automatic-mail header or subject")


def test_the_mislabelled_postmaster_notice_is_a_bounce() -> None:
    noise = classify_file(CORPUS / "human" / "rb-issue-368-bug.eml")
    assert (noise.automatic, noise.kind) == (True, "bounce")


def test_most_bounces_are_recognised_as_bounces() -> None:
    kinds = [classify_file(path).kind for path in corpus("bounce")]
    assert kinds.count("bounce") / len(kinds) >= 0.97


def test_precision_and_recall_of_automatic() -> None:
    labelled = [(path, True) for path in corpus("autoreply") + corpus("bounce")]
    labelled += [(path, False) for path in corpus("human")]
    predicted = [(classify_file(path).automatic, truth) for path, truth in labelled]
    true_positives = sum(1 for guess, truth in predicted if guess and truth)
    precision = true_positives / sum(1 for guess, _ in predicted if guess)
    recall = true_positives / sum(1 for _, truth in predicted if truth)
    print(f"\nautomatic mail on sisimai: precision {precision:.1%}, recall {recall:.1%} ({len(predicted)} files)")
    assert precision >= PRECISION_THRESHOLD and recall >= RECALL_THRESHOLD


# --- our own cases and every labelled corpus (issue 17) -----------------------------------------------------

ISSUE_TARGET = 0.995


def our_cases() -> list[tuple[str, Path]]:
    return [(family, path) for family in (*AUTOMATIC_FAMILIES, "human")
            for path in sorted((OUR_CASES / family).glob("*.eml"))]


def test_our_cases_cover_every_family() -> None:
    counts = {family: sum(1 for f, _ in our_cases() if f == family) for family in (*AUTOMATIC_FAMILIES, "human")}
    assert min(counts.values()) >= 3 and counts["human"] >= 6, counts


@pytest.mark.parametrize(("family", "path"), our_cases(), ids=lambda v: v if isinstance(v, str) else v.name)
def test_our_case_comes_out_as_its_family(family: str, path: Path) -> None:
    noise = classify_file(path)
    expected = AUTOMATIC_FAMILIES.get(family, "human")
    assert (noise.automatic, noise.kind) == (family != "human", expected), noise.reason


def test_precision_and_recall_on_every_labelled_file_reach_the_issue_target() -> None:
    cases = automatic_mail_cases()
    guesses = {case.path: classify_file(case.path).automatic for case in cases}
    lines = []
    for source in ("sisimai", "parse corpus", "our cases", "all"):
        chosen = [case for case in cases if source in ("all", case.source)]
        precision, recall = _figures([(guesses[case.path], case.automatic) for case in chosen])
        lines.append(f"{source}: {len(chosen)} files, precision {precision:.1%}, recall {recall:.1%}")
    folder_precision, _ = _figures([(guesses[case.path], case.folder_label) for case in cases])
    print("\nautomatic mail: " + "; ".join(lines) + f"; precision by folder labels {folder_precision:.1%}")
    precision, recall = _figures([(guesses[case.path], case.automatic) for case in cases])
    assert len(cases) >= 250
    assert precision >= ISSUE_TARGET and recall >= ISSUE_TARGET, lines


def test_the_relabelled_files_are_few_and_each_is_explained() -> None:
    relabelled = [case for case in automatic_mail_cases() if case.relabelled]
    assert 0 < len(relabelled) <= 3
    assert {case.path.relative_to(corpora.CORPUS).as_posix() for case in relabelled} <= set(corpora.LABEL_OVERRIDES)


def _figures(pairs: list[tuple[bool, bool]]) -> tuple[float, float]:
    true_positives = sum(1 for guess, truth in pairs if guess and truth)
    guessed = sum(1 for guess, _ in pairs if guess)
    actual = sum(1 for _, truth in pairs if truth)
    return (true_positives / guessed if guessed else 1.0), (true_positives / actual if actual else 1.0)


# --- each header rule ----------------------------------------------------------------------------------------

PERSON = {"From": "Ann <ann@example.org>", "Subject": "My server is down", "Return-Path": "<ann@example.org>"}


def test_a_plain_person_is_human() -> None:
    assert classify(PERSON) == Noise(False, "human", "no automatic-mail header or subject")


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ({"Auto-Submitted": "auto-replied"}, "auto_reply"),
        ({"Auto-Submitted": "Auto-Replied; owner-email=ann@example.org"}, "auto_reply"),
        ({"Auto-Submitted": "auto-generated"}, "bulk"),
        ({"Auto-Submitted": "auto-notified"}, "bulk"),
        ({"X-Autoreply": "yes"}, "auto_reply"),
        ({"X-Autorespond": "Out of office"}, "auto_reply"),
        ({"X-Auto-Response-Suppress": "All"}, "auto_reply"),
        ({"X-Auto-Response-Suppress": "OOF, AutoReply"}, "auto_reply"),
        ({"Precedence": "auto_reply"}, "auto_reply"),
        ({"Precedence": "bulk"}, "bulk"),
        ({"Precedence": "junk"}, "bulk"),
        ({"Precedence": "list"}, "bulk"),
        ({"List-Id": "<news.example.org>"}, "bulk"),
        ({"List-Unsubscribe": "<mailto:leave@example.org>"}, "bulk"),
        ({"X-Apple-Action": "VACATION"}, "auto_reply"),
        ({"X-Failed-Recipients": "bob@example.net"}, "bounce"),
        ({"Content-Type": 'multipart/report; report-type=delivery-status; boundary="b"'}, "bounce"),
        ({"Content-Type": "multipart/report; report-type=feedback-report; boundary=b"}, "bounce"),
        ({"Content-Type": "multipart/report; report-type=disposition-notification; boundary=b"}, "auto_reply"),
        ({"From": "MAILER-DAEMON@mx.example.net"}, "bounce"),
        ({"From": "Mail Delivery System <Mailer-Daemon@mx.example.net>"}, "bounce"),
        ({"From": "postmaster@example.net"}, "bounce"),
        ({"From": "Mail Delivery Subsystem <bounces@example.net>"}, "bounce"),
        ({"Return-Path": "<MAILER-DAEMON@mx.example.net>"}, "bounce"),
        ({"Return-Path": "<>"}, "bounce"),
        ({"From": "Shop <no-reply@shop.example>"}, "bulk"),
    ],
    ids=lambda value: str(value) if isinstance(value, str) else "|".join(f"{k}:{v}" for k, v in value.items()),
)
def test_header_rules(headers: dict[str, str], kind: str) -> None:
    noise = classify({**PERSON, **headers})
    assert (noise.automatic, noise.kind) == (True, kind), noise.reason


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "no"},
        {"X-Auto-Response-Suppress": "DR, RN, NRN"},
        {"X-Autoreply": "no"},
        {"Precedence": "normal"},
        {"From": "Contact form <no-reply@coolxost.com>", "Reply-To": "Ann <ann@example.org>"},
        {"Subject": "Re: Out of office policy question"},
        {"Subject": "Vacation request for next week"},
        {"From": "Postmaster General <ann@example.org>"},
    ],
    ids=lambda value: "|".join(f"{k}:{v}" for k, v in value.items()),
)
def test_look_alikes_stay_human(headers: dict[str, str]) -> None:
    noise = classify({**PERSON, **headers})
    assert (noise.automatic, noise.kind) == (False, "human"), noise.reason


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("Out of Office: My server is down", "auto_reply"),
        ("Automatic reply: My server is down", "auto_reply"),
        ("Auto reply: Nyaan", "auto_reply"),
        ("Abwesenheitsnotiz: Server", "auto_reply"),
        ("Réponse automatique : serveur", "auto_reply"),
        ("Автоответ: сервер", "auto_reply"),
        ("Undelivered Mail Returned to Sender", "bounce"),
        ("Delivery Status Notification (Failure)", "bounce"),
        ("Undeliverable: My server is down", "bounce"),
        ("=?utf-8?q?Automatic_reply=3A_hi?=", "auto_reply"),  # raw mappings are decoded first
    ],
)
def test_subject_patterns_are_a_weaker_signal(subject: str, kind: str) -> None:
    noise = classify({**PERSON, "Subject": subject})
    assert (noise.automatic, noise.kind) == (True, kind)
    assert noise.reason.startswith("subject")


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ({"From": "post_master@vtext.com"}, "bounce"),
        ({"From": "Post Master <post-master@relay.example.org>"}, "bounce"),
        ({"From": "mailer.daemon@mx.example.com"}, "bounce"),
        ({"From": "MAILER_DAEMON@mx.example.com"}, "bounce"),
        ({"From": "Mailer Daemon <bounces@mx.example.com>"}, "bounce"),
        ({"From": "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@corp.example>"}, "bounce"),
        ({"Return-Path": "<post_master@vtext.com>"}, "bounce"),
        ({"Content-Type": "message/delivery-status"}, "bounce"),
        ({"Content-Type": "message/feedback-report"}, "bounce"),
        ({"From": "staff@hotmail.com", "Subject": "complaint about message from 203.0.113.25"}, "bounce"),
        ({"Subject": "Complaint about message from 2001:db8::25"}, "bounce"),
        ({"X-Boxtrapper": "nq3Vx8TtJ2pLw"}, "challenge"),
        ({"Subject": "Your email requires verification verify#nq3Vx8TtJ2pLw-1764686400"}, "challenge"),
        ({"Subject": "Please confirm your message"}, "challenge"),
        ({"Subject": "Подтвердите отправку письма"}, "challenge"),
        ({"From": "anton-confirm-1764686455.27113.9c1e4f@gusev.example.net"}, "challenge"),
        ({"From": "post_master@vtext.com", "Subject": "Confirm"}, "challenge"),
        ({"From": "no-reply@robot.example", "Subject": "Confirmation required"}, "challenge"),
        ({"Subject": "Read: invitation", "Content-Type": "application/ms-tnef; name=winmail.dat"}, "auto_reply"),
    ],
    ids=lambda value: str(value) if isinstance(value, str) else "|".join(f"{k}:{v}" for k, v in value.items()),
)
def test_issue_17_header_rules(headers: dict[str, str], kind: str) -> None:
    noise = classify({**PERSON, **headers})
    assert (noise.automatic, noise.kind) == (True, kind), noise.reason


@pytest.mark.parametrize(
    "headers",
    [
        # Outlook's computational-puzzle postmark: on ordinary mail people write, never a challenge-response sign
        {"X-CR-HashedPuzzle": "AB3k BcQ9 C1f+;1;cwB1AH;Sosha1_v1;7", "X-CR-PuzzleID": "{6C9A8F1D-2B3E}"},
        {"Subject": "Confirm"},  # a customer asking to confirm an order
        {"Subject": "Confirmation of payment for order 88123"},
        {"Subject": "Please confirm your message was sent to the right address"},
        {"Subject": "Re: Please confirm your message"},
        {"Subject": "Auto: parts catalogue site is slow"},  # lower-case "Auto:" without out-of-office
        {"Subject": "Our manager is out of the office, who else can approve the invoice?"},
        {"Subject": "Read: invitation"},  # without TNEF it is a person's subject
        {"Subject": "complaint about message from our manager"},
        {"Cc": "postmaster@example.net", "Subject": "Mail to our domain is rejected"},
        {"From": "Post Office <post.office@example.org>"},
    ],
    ids=lambda value: "|".join(f"{k}:{v}"[:40] for k, v in value.items()),
)
def test_issue_17_look_alikes_stay_human(headers: dict[str, str]) -> None:
    noise = classify({**PERSON, **headers})
    assert (noise.automatic, noise.kind) == (False, "human"), noise.reason


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("AUTO: Ivan Petrov is out of the office (returning 14.12.2026)", "auto_reply"),
        ("Auto: out of office until 7 December", "auto_reply"),
        ("Olga Sidorova is out of the office.", "auto_reply"),
        ("Olga Sidorova is out of the office (returning 10.12.2026)", "auto_reply"),
        ("Не удается доставить: [#4133] Ваш запрос принят", "bounce"),
        ("Warning: message 1rT9x-0002aB-2c delayed 24 hours", "bounce"),
        ("Delayed Mail (still being retried)", "bounce"),
    ],
)
def test_issue_17_subjects(subject: str, kind: str) -> None:
    noise = classify({**PERSON, "Subject": subject})
    assert (noise.automatic, noise.kind) == (True, kind), noise.reason


def _parsed(body: str, subject: str = "Re: [#4132] We have received your request", sender: str = "m@example.org"):
    return parse_mail(f"From: {sender}\nTo: support@coolxost.com\nSubject: {subject}\n\n{body}".encode())


@pytest.mark.parametrize(
    ("body", "automatic"),
    [
        ("I am protected by a spam filter. Please reply to this message to confirm that you sent it.", True),
        ("Your message is being held. Click the link below to verify that you are a person.", True),
        ("To control spam, I now allow incoming messages only from senders I have approved beforehand.", True),
        ("Ящик защищён от спама. Чтобы письмо было доставлено, подтвердите, что вы не робот.", True),
        ("I am protected by a spam filter at work and your replies land in quarantine. Could you confirm "
         "whether you sign your mail with DKIM?", False),
        ("Please reply to confirm the migration window for tonight.", False),
        ("Наш ящик защищён от спама, поэтому ваши письма попадают в карантин. Что делать?", False),
    ],
)
def test_challenge_texts_need_both_halves(body: str, automatic: bool) -> None:
    noise = classify(_parsed(body))
    assert noise.automatic is automatic and noise.kind == ("challenge" if automatic else "human"), noise.reason


def test_a_forwarded_report_is_not_the_message_s_own() -> None:
    """A customer forwarding a bounce as an attachment is a person: only the message's own parts count."""
    noise = classify_file(OUR_CASES / "human" / "forwarded-bounce.eml")
    assert (noise.automatic, noise.kind) == (False, "human"), noise.reason
    own = classify_file(OUR_CASES / "arf" / "feedback-report-inside-mixed.eml")
    assert own.kind == "bounce" and "feedback-report" in own.reason


def test_header_rules_win_over_subjects() -> None:
    report = "multipart/report; report-type=delivery-status"
    noise = classify({**PERSON, "Subject": "Out of Office", "Content-Type": report})
    assert noise.kind == "bounce" and "multipart/report" in noise.reason


def test_own_addresses_are_own_whatever_the_headers() -> None:
    headers = {**PERSON, "From": "Support <Support@CoolXost.com>", "Auto-Submitted": "auto-replied"}
    noise = classify(headers, own_addresses=["support@coolxost.com"])
    assert (noise.automatic, noise.kind) == (False, "own")
    assert classify(headers, own_addresses=["billing@coolxost.com"]).kind == "auto_reply"


def test_a_parsed_mail_works_like_its_headers() -> None:
    raw = b"From: Ann <ann@example.org>\r\nAuto-Submitted: auto-replied\r\nSubject: away\r\n\r\nI am away."
    assert classify(parse_mail(raw)).kind == "auto_reply"
    assert classify(parse_mail(raw), own_addresses={"ann@example.org"}).kind == "own"


def test_header_names_are_case_insensitive() -> None:
    assert classify({"from": "a@example.org", "AUTO-SUBMITTED": "auto-replied"}).kind == "auto_reply"


def test_empty_headers_are_human() -> None:
    assert classify({}).kind == "human"
