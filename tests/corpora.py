"""Where the mail corpora live: inside the repository, so a fresh clone tests and benchmarks with nothing beside it.

`CORPUS` is mail other projects collected (each folder with its project's LICENSE; `corpus/README.md` says where
each came from). `OUR_CASES` is mail we wrote ourselves for the families the borrowed corpora lack (ARF
complaints, challenge-response robots, mail.ru and Outlook quoting, …); `mail_cases/README.md` lists them.
Every test and benchmark reads mail through these two names; `tests/test_self_contained.py` fails when a file
reaches outside the repository instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parent
CORPUS = TESTS / "corpus"
OUR_CASES = TESTS / "mail_cases"


# --- automatic mail: which files are automatic, by the folders they sit in -------------------------------------

AUTOMATIC_FAMILIES = {"arf": "bounce", "dsn": "bounce", "auto_reply": "auto_reply", "challenge": "challenge"}
"""Our own cases (`mail_cases/FAMILY/*.eml`): the kind each family must come out as; `human/` must be human."""

# Labelled by the folder they were published in (a folder named for bounces, complaints or delivery reports), or,
# for the parse corpus's ordinary mail, as what they are: messages a person wrote from a mail program to test a
# parser. Ambiguous folders are left out (mikel/error_emails is mostly spam; flanker's top level mixes list posts,
# MIME torture tests and fragments), as are files that are not mail (zbateson/files, flanker/attachments).
_PARSE_LABELS = {
    "flanker/bounce": True, "flanker/complaints": True, "mikel/multipart_report_emails": True,
    "mikel/attachment_emails": False, "mikel/multi_charset": False, "mikel/rfc6532": False, "zbateson": False,
}
LABEL_OVERRIDES = {
    # sisimai files it under "not" (its *bounce parser* must not read it as a standard DSN), but it is a
    # postmaster's "Your message was rejected … Mailbox full" notice with Auto-Submitted: auto-replied and
    # Return-Path <>: exactly the mail a helpdesk must not answer. Both figures are printed (as labelled, and so).
    "auto/sisimai/human/rb-issue-368-bug.eml": True,
    # a list post delivered through ezmlm (Mailing-List header): bulk by our rules, though a person wrote it.
    "parse/zbateson/m0024.txt": True,
    # Outlook's read receipt ("Read: invitation", TNEF): written by a machine.
    "parse/zbateson/m4006.txt": True,
}
EXTRA_FILES = {"parse/flanker/disposition-notification.eml": True}  # a read receipt (MDN), named so


@dataclass(frozen=True)
class Labelled:
    path: Path
    automatic: bool
    source: str  # "sisimai", "parse corpus" or "our cases"
    relabelled: bool = False  # True when LABEL_OVERRIDES changed the folder's label

    @property
    def name(self) -> str:
        return self.path.relative_to(TESTS).as_posix()

    @property
    def folder_label(self) -> bool:
        """The label the file's folder gives it, before our overrides."""
        return not self.automatic if self.relabelled else self.automatic


def automatic_mail_cases() -> list[Labelled]:
    """Every labelled file for the automatic-mail figures: sisimai (the folder is the label), the parse corpus's
    labelled folders, and our own cases; LABEL_OVERRIDES applied."""
    cases: list[Labelled] = []
    sisimai = CORPUS / "auto" / "sisimai"
    for folder, truth in (("autoreply", True), ("bounce", True), ("human", False)):
        cases += [_labelled(path, truth, "sisimai") for path in _mail_files(sisimai / folder)]
    for folder, truth in _PARSE_LABELS.items():
        directory = CORPUS / "parse" / folder
        paths = _mail_files(directory) if folder != "zbateson" else [
            path for path in _mail_files(directory) if path.parent == directory]
        cases += [_labelled(path, truth, "parse corpus") for path in paths]
    cases += [_labelled(CORPUS / name, truth, "parse corpus") for name, truth in EXTRA_FILES.items()]
    for family in (*AUTOMATIC_FAMILIES, "human"):
        cases += [_labelled(path, family != "human", "our cases") for path in _mail_files(OUR_CASES / family)]
    return cases


def _labelled(path: Path, truth: bool, source: str) -> Labelled:
    key = path.relative_to(CORPUS).as_posix() if path.is_relative_to(CORPUS) else ""
    override = LABEL_OVERRIDES.get(key)
    if override is None or override == truth:
        return Labelled(path, truth, source)
    return Labelled(path, override, source, relabelled=True)


def _mail_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.rglob("*") if path.is_file() and path.suffix in (".eml", ".txt")
                  and not path.name.upper().startswith(("README", "LICENSE")))
