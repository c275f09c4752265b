"""Thread label reads and writes for many threads at once: Gmail batch requests under the mailbox's quota.

Why: `labels reconcile` rewrites every ticket's labels, thousands of threads. One HTTP round trip per call would
spend most of the run waiting; a batch of up to 50 calls (Google's advice) is one round trip. Each call in a
batch still costs its own units, so the batch is sized by the limiter (`calls_per_burst`) and its units are
spent before it goes out, exactly as the sync's batched messages.get (gmail_sync/client.py `_fetch_batch`).
Parts that fail for quota or a 5xx, and whole batches whose connection drops, are retried with the client's
backoff; a thread that is gone (404) is reported as None; any other refusal is a GmailRequestError.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from gmail_sync.client import (
    _CONNECTION_ERRORS,
    MAX_BATCH,
    GmailApi,
    GmailRequestError,
    _reason,
)
from gmail_sync.quota import cost

Modify = tuple[str, list[str], list[str]]  # (thread id, label ids to add, label ids to remove)


def read_threads(api: GmailApi, thread_ids: list[str]) -> dict[str, list[list[str]] | None]:
    """Each thread's messages' label ids (threads.get format=minimal); None for a thread that is gone."""
    threads = api.service.users().threads()

    def request(thread_id: str) -> Any:
        return threads.get(userId=api.user_id, id=thread_id, format="minimal")

    answers = _run(api, "threads.get", thread_ids, request)
    return {thread_id: None if answer is None else
            [list(m.get("labelIds", [])) for m in answer.get("messages", [])]
            for thread_id, answer in answers.items()}


def modify_threads(api: GmailApi, changes: list[Modify]) -> None:
    """threads.modify for each change; a thread gone meanwhile is skipped."""
    threads = api.service.users().threads()
    bodies = {thread_id: {"addLabelIds": sorted(add), "removeLabelIds": sorted(remove)}
              for thread_id, add, remove in changes}

    def request(thread_id: str) -> Any:
        return threads.modify(userId=api.user_id, id=thread_id, body=bodies[thread_id])

    _run(api, "threads.modify", list(bodies), request)


def _run(api: GmailApi, method: str, keys: list[str], request: Callable[[str], Any]
         ) -> dict[str, dict[str, Any] | None]:
    answers: dict[str, dict[str, Any] | None] = {}
    size = api.limiter.calls_per_burst(method, MAX_BATCH)
    for start in range(0, len(keys), size):
        _run_batch(api, method, keys[start:start + size], request, answers)
    return answers


def _run_batch(api: GmailApi, method: str, keys: list[str], request: Callable[[str], Any],
               answers: dict[str, dict[str, Any] | None]) -> None:
    pending = list(keys)
    delays = api.backoff.delays()
    failed: list[str] = []
    while pending:
        failed.clear()

        def collect(key: str, response: Any, exception: HttpError | None) -> None:
            if exception is None:
                answers[key] = response or {}
            elif exception.status_code == 404:
                answers[key] = None
            elif api._retryable(exception):
                failed.append(key)
            else:
                raise GmailRequestError(f"{method} {key}: {_reason(exception)}", exception.status_code)

        batch = BatchHttpRequest(callback=collect, batch_uri=api.endpoint + "batch")
        for key in pending:
            batch.add(request(key), request_id=key)
        api.limiter.acquire(cost(method) * len(pending))
        try:
            batch.execute()
        except HttpError as exc:
            if not api._retryable(exc):
                raise GmailRequestError(f"batch: {_reason(exc)}", exc.status_code) from exc
            failed[:] = [key for key in pending if key not in answers]
        except _CONNECTION_ERRORS:
            failed[:] = [key for key in pending if key not in answers]
        pending = list(failed)
        if pending:
            api._wait(delays, f"{method}: {len(pending)} of {len(keys)} failed")
