"""Issue 4: how well the sync understands mail — quality figures on real-world corpora, and parse speed.

- Visible reply: share of the discourse corpus (tests/corpus/replies/discourse) where `visible_reply(emails/X)`
  equals `trimmed/X` exactly (both with trailing whitespace stripped).
- Automatic mail: precision and recall of `classify(...).automatic` on the sisimai corpus
  (tests/corpus/auto/sisimai), the folder being the label (autoreply/ and bounce/ automatic, human/ not).
  Note: human/rb-issue-368-bug.eml is a postmaster's "mailbox full" notice with Auto-Submitted: auto-replied;
  we call it automatic on purpose, and it costs the precision figure one false positive.
- Parse throughput: `parse_mail` over every file of the parse corpus (tests/corpus/parse), read into memory
  first, repeated for a fixed wall-clock budget; one process, one thread. The corpus mixes ordinary mail with a
  few multi-megabyte files (a 3 MB forwarded-message loop, JPEGs and WAVs that are not mail at all), which
  dominate the mean; the median time per file is printed too.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from benchmarks.common import Figure
from gmail_sync.noise import classify
from gmail_sync.parse import parse_mail
from gmail_sync.reply_trim import visible_reply
from tests.corpora import CORPUS

BUDGET_S = 5.0


def run(args: Any = None) -> list[Figure]:
    matched, total = _reply_trim()
    precision, recall, files = _noise()
    rate, messages, megabytes, median_ms = _parse_throughput(float(getattr(args, "budget_s", None) or BUDGET_S))
    return [
        Figure("visible reply: exact matches (discourse corpus)", 100.0 * matched / total, "%",
               f"{matched}/{total} files"),
        Figure("automatic mail: precision (sisimai corpus)", 100.0 * precision, "%", f"{files} files"),
        Figure("automatic mail: recall (sisimai corpus)", 100.0 * recall, "%", f"{files} files"),
        Figure("parse_mail throughput (parse corpus)", rate, "msg/s",
               f"{messages} files, {megabytes:.1f} MB, one thread"),
        Figure("parse_mail median time per file (parse corpus)", median_ms, "ms",
               "the mean is dominated by a few multi-MB files"),
    ]


def _reply_trim() -> tuple[int, int]:
    root = CORPUS / "replies" / "discourse"
    names = sorted(path.name for path in (root / "emails").iterdir())
    matched = sum(
        1 for name in names
        if visible_reply((root / "emails" / name).read_text(encoding="utf-8")).rstrip()
        == (root / "trimmed" / name).read_text(encoding="utf-8").rstrip()
    )
    return matched, len(names)


def _noise() -> tuple[float, float, int]:
    root = CORPUS / "auto" / "sisimai"
    labelled = [(path, folder != "human") for folder in ("autoreply", "bounce", "human")
                for path in sorted((root / folder).iterdir())]
    guesses = [(classify(parse_mail(path.read_bytes())).automatic, truth) for path, truth in labelled]
    true_positives = sum(1 for guess, truth in guesses if guess and truth)
    precision = true_positives / max(1, sum(1 for guess, _ in guesses if guess))
    recall = true_positives / max(1, sum(1 for _, truth in guesses if truth))
    return precision, recall, len(guesses)


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
