"""Issues 4 and 17: how well the sync understands mail — quality figures on real-world corpora and our own cases,
and parse speed. Every corpus is in the repository (`tests/corpora.py`).

- Visible reply, per corpus: share of files where `visible_reply(emails/X)` equals `trimmed/X` exactly (both with
  trailing whitespace stripped): the discourse corpus (tests/corpus/replies/discourse) and our own cases
  (tests/mail_cases/replies: mail.ru/Yandex attributions, Outlook header blocks, glued "wrote:", "Sent from …"
  sentences).
- Automatic mail: precision and recall of `classify(...).automatic` per source and over all of them
  (`tests.corpora.automatic_mail_cases`): sisimai (the folder is the label), the parse corpus's bounce, complaint
  and delivery-report folders and its ordinary mail, and our own cases (tests/mail_cases). Three files are
  relabelled, each with its reason in `tests.corpora.LABEL_OVERRIDES` (sisimai's rb-issue-368-bug.eml, a
  postmaster's "mailbox full" notice with Auto-Submitted: auto-replied, filed under "not a bounce" for sisimai's
  own parser; a list post; an Outlook read receipt); the precision by the folders' labels is printed too.
- Parse throughput: `parse_mail` over every file of the parse corpus (tests/corpus/parse), read into memory
  first, repeated for a fixed wall-clock budget; one process, one thread. The corpus mixes ordinary mail with a
  few multi-megabyte files (a 3 MB forwarded-message loop, JPEGs and WAVs that are not mail at all), which
  dominate the mean; the median time per file is printed too.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Figure
from gmail_sync.noise import classify
from gmail_sync.parse import parse_mail
from gmail_sync.reply_trim import visible_reply
from tests.corpora import CORPUS, OUR_CASES, automatic_mail_cases

BUDGET_S = 5.0


def run(args: Any = None) -> list[Figure]:
    figures = []
    for name, root in (("discourse corpus", CORPUS / "replies" / "discourse"), ("our cases", OUR_CASES / "replies")):
        matched, total = _reply_trim(root)
        figures.append(Figure(f"visible reply: exact matches ({name})", 100.0 * matched / total, "%",
                              f"{matched}/{total} files"))
    for source, (precision, recall, files) in _noise().items():
        figures.append(Figure(f"automatic mail: precision ({source})", 100.0 * precision, "%", f"{files} files"))
        figures.append(Figure(f"automatic mail: recall ({source})", 100.0 * recall, "%", f"{files} files"))
    rate, messages, megabytes, median_ms = _parse_throughput(float(getattr(args, "budget_s", None) or BUDGET_S))
    figures += [
        Figure("parse_mail throughput (parse corpus)", rate, "msg/s",
               f"{messages} files, {megabytes:.1f} MB, one thread"),
        Figure("parse_mail median time per file (parse corpus)", median_ms, "ms",
               "the mean is dominated by a few multi-MB files"),
    ]
    return figures


def _reply_trim(root: Path) -> tuple[int, int]:
    names = sorted(path.name for path in (root / "emails").iterdir())
    matched = sum(
        1 for name in names
        if visible_reply((root / "emails" / name).read_text(encoding="utf-8")).rstrip()
        == (root / "trimmed" / name).read_text(encoding="utf-8").rstrip()
    )
    return matched, len(names)


def _noise() -> dict[str, tuple[float, float, int]]:
    """(precision, recall, files) per source, over all sources, and over all by the folders' own labels."""
    cases = automatic_mail_cases()
    guesses = {case.path: classify(parse_mail(case.path.read_bytes())).automatic for case in cases}
    result = {}
    for source in ("sisimai", "parse corpus", "our cases", "all"):
        chosen = [case for case in cases if source in ("all", case.source)]
        result[source] = (*_figures([(guesses[case.path], case.automatic) for case in chosen]), len(chosen))
    result["all, folder labels"] = (*_figures([(guesses[case.path], case.folder_label) for case in cases]),
                                    len(cases))
    return result


def _figures(pairs: list[tuple[bool, bool]]) -> tuple[float, float]:
    true_positives = sum(1 for guess, truth in pairs if guess and truth)
    precision = true_positives / max(1, sum(1 for guess, _ in pairs if guess))
    recall = true_positives / max(1, sum(1 for _, truth in pairs if truth))
    return precision, recall


def _parse_throughput(budget_s: float) -> tuple[float, int, float, float]:
    root = CORPUS / "parse"
    blobs = [path.read_bytes() for path in sorted(root.rglob("*"))
             if path.is_file() and not path.name.upper().startswith(("README", "LICENSE"))]
    times: list[float] = []
    started = time.perf_counter()
    while True:  # whole passes only, so every file weighs the same
        for blob in blobs:
            before = time.perf_counter()
            parse_mail(blob)
            times.append(time.perf_counter() - before)
        elapsed = time.perf_counter() - started
        if elapsed >= budget_s:
            median_ms = 1000 * statistics.median(times)
            return len(times) / elapsed, len(blobs), sum(map(len, blobs)) / 1e6, median_ms


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
