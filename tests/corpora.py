"""Where the mail corpora live: inside the repository, so a fresh clone tests and benchmarks with nothing beside it.

`CORPUS` is mail other projects collected (each folder with its project's LICENSE; `corpus/README.md` says where
each came from). `OUR_CASES` is mail we wrote ourselves for the families the borrowed corpora lack (ARF
complaints, challenge-response robots, mail.ru and Outlook quoting, …); `mail_cases/README.md` lists them.
Every test and benchmark reads mail through these two names; `tests/test_self_contained.py` fails when a file
reaches outside the repository instead.
"""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
CORPUS = TESTS / "corpus"
OUR_CASES = TESTS / "mail_cases"
