"""A fill's three stages — fetch, parse, write — overlapped, so a backfill runs at the speed of its slowest stage
rather than of their sum.

Why: on a backfill the client's CPU is the limit. Fetching a message (google-api-python-client's batch
encoding and decoding) costs about 0.25 ms of it, parsing about 0.4 ms (the stdlib's MIME parser, the HTML
sanitiser), writing it in bulk about 0.15 ms. One thread of Python does these one after the other; the GIL
keeps a second thread from parsing at the same time. So:

- a fetch thread brings chunk k+2 from Gmail (mostly waiting on the network, which releases the GIL);
- a worker process parses chunk k+1 (its own interpreter, its own core);
- the caller writes chunk k.

The worker process (`python -m gmail_sync.parse_worker`, talking over pipes) is started only for a fill big
enough to pay for starting it (`Parser.for_fill`). If it dies, the chunk is parsed in-process and the rest of
the fill goes on without it: a worker is a speed-up, never a point of failure.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from gmail_sync.client import FetchedMessage
from gmail_sync.parse import ParsedMail, parse_mail
from gmail_sync.parse_worker import read_frame, write_frame

log = logging.getLogger(__name__)
Fetch = Callable[[list[str]], list[FetchedMessage]]


def parse_all(raws: list[bytes]) -> list[ParsedMail]:
    return [parse_mail(raw) for raw in raws]


class Parser:
    """Parses chunks of raw mail: in a worker process when there is one, else in the calling thread. One chunk
    at a time is with the worker; a thread of ours waits for its answer, so the caller goes on meanwhile."""

    def __init__(self, processes: int = 0) -> None:
        self._worker: subprocess.Popen[bytes] | None = None
        self._talker: ThreadPoolExecutor | None = None
        if processes > 0:  # one worker: the pipeline keeps one chunk parsing ahead of the writer
            try:
                self._worker = subprocess.Popen(  # noqa: S603 - our own module, by the same interpreter
                    [sys.executable, "-m", "gmail_sync.parse_worker"], stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": _path()})
                self._talker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse worker")
            except OSError as exc:
                self._give_up(exc)

    @classmethod
    def for_fill(cls, messages: int, *, processes: int, from_size: int) -> Parser:
        return cls(processes if messages >= from_size else 0)

    @property
    def in_process(self) -> bool:
        return self._worker is None

    def submit(self, fetched: list[FetchedMessage]) -> Future[list[ParsedMail]]:
        raws = [message.raw for message in fetched]
        if self._talker is not None:
            return self._talker.submit(self._ask, raws)
        done: Future[list[ParsedMail]] = Future()
        done.set_result(parse_all(raws))
        return done

    def result(self, future: Future[list[ParsedMail]], fetched: list[FetchedMessage]) -> list[ParsedMail]:
        try:
            return future.result()
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            self._give_up(exc)
            return parse_all([message.raw for message in fetched])

    def _ask(self, raws: list[bytes]) -> list[ParsedMail]:
        worker = self._worker
        if worker is None or worker.stdin is None or worker.stdout is None:
            return parse_all(raws)
        write_frame(worker.stdin, raws)
        answer = read_frame(worker.stdout)
        if not isinstance(answer, list) or len(answer) != len(raws):
            raise EOFError("the parse worker answered something else")
        return answer

    def close(self) -> None:
        talker, worker = self._talker, self._worker
        self._talker = self._worker = None
        if talker is not None:
            talker.shutdown(wait=True)
        if worker is not None:
            _stop(worker)

    def _give_up(self, exc: BaseException) -> None:
        log.warning("the parse worker failed (%s: %s); parsing in-process from here on", type(exc).__name__, exc)
        worker, self._worker = self._worker, None
        if worker is not None:
            _stop(worker)

    def __enter__(self) -> Parser:
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.close()


def _stop(worker: subprocess.Popen[bytes]) -> None:
    try:
        if worker.stdin is not None:
            worker.stdin.close()  # end of input: the worker returns
        worker.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        worker.kill()
        worker.wait()
    if worker.stdout is not None:
        worker.stdout.close()


def _path() -> str:
    """PYTHONPATH for the worker: where this package lives first (an uninstalled checkout works too)."""
    root = str(Path(__file__).resolve().parents[1])
    return os.pathsep.join([root, *([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])])


def staged(fetch: Fetch, chunks: list[list[str]], parser: Parser, *, name: str = "fetch"
           ) -> Iterator[tuple[list[str], list[FetchedMessage], list[ParsedMail]]]:
    """Each chunk with its fetched and parsed messages, in order, while later chunks are fetched and parsed.

    At most two chunks are ahead of the caller (one being parsed, one being fetched), so memory stays bounded.
    The fetch thread is the only user of the Gmail client while this runs (httplib2 is not thread-safe)."""
    if not chunks:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=name) as fetcher:
        fetching: deque[Future[list[FetchedMessage]]] = deque([fetcher.submit(fetch, chunks[0])])
        parsing: deque[tuple[list[FetchedMessage], Future[list[ParsedMail]]]] = deque()
        next_fetch = 1
        for chunk in chunks:
            while fetching and len(parsing) < 2:  # keep one chunk parsing ahead and one fetching ahead
                fetched = fetching.popleft().result()
                parsing.append((fetched, parser.submit(fetched)))
                if next_fetch < len(chunks):
                    fetching.append(fetcher.submit(fetch, chunks[next_fetch]))
                    next_fetch += 1
            fetched, future = parsing.popleft()
            yield chunk, fetched, parser.result(future, fetched)
