"""Linedesk's Gmail client: a google-api-python-client service at the configured endpoint, and the few calls the
sync makes, each under the mailbox's quota limiter and with backoff.

Why this module exists: the runner should speak in "list the INBOX", "fetch these messages raw", "history after
this id", not in HTTP errors. Everything Gmail can do wrong is turned here into a retry or a typed error:
- 429, rate-limit 403 (userRateLimitExceeded / rateLimitExceeded), 5xx and dropped connections are retried with
  exponential backoff and jitter (a quota refusal also slows the limiter down); after the last try
  `GmailUnavailable`;
- 404 on history.list is `HistoryExpired` (the cursor is stale: resync); any other refusal is `GmailRequestError`.

Endpoint: `GMAIL_API_ENDPOINT` (the local Gmail) or Google's. The service is built from a copy of the shipped
discovery document whose root URL is the endpoint, so plain calls, media uploads and batches all go there
(`client_options` alone would send uploads and batches to Google). Credentials: `credentials_for(address)`
asks `gmail_sync.credentials` when it exists; with a local endpoint and no stored credentials an anonymous
bearer token is enough.
"""

from __future__ import annotations

import base64
import functools
import http.client
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import google.oauth2.credentials
import httplib2
from googleapiclient.discovery import build_from_document
from googleapiclient.discovery_cache import get_static_doc
from googleapiclient.errors import BatchError, HttpError
from googleapiclient.http import BatchHttpRequest

from gmail_sync.quota import Backoff, Limiter, cost

GOOGLE_ENDPOINT = "https://gmail.googleapis.com/"
MAX_BATCH = 50  # Google advises 50 or fewer calls per batch
_RATE_REASONS = {"userRateLimitExceeded", "rateLimitExceeded"}
CredentialsLookup = Callable[[str], Any]  # address -> google-auth credentials, or None
_CONNECTION_ERRORS = (OSError, http.client.HTTPException, httplib2.HttpLib2Error, BatchError)


class GmailError(Exception):
    """Anything the Gmail side of the sync could not do."""


class GmailUnavailable(GmailError):
    """Gmail kept failing (5xx, quota, dropped connections) after every retry."""


class GmailRequestError(GmailError):
    """Gmail refused a call for a reason a retry will not fix (400, 401, 403 other than rate limits)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class HistoryExpired(GmailError):
    """history.list answered 404: the stored history id is older than Gmail keeps."""


class CredentialsMissing(GmailError):
    """No credentials for a mailbox, and no local endpoint that would do without."""


def normalise_endpoint(endpoint: str | None) -> str:
    endpoint = endpoint or GOOGLE_ENDPOINT
    return endpoint if endpoint.endswith("/") else endpoint + "/"


@functools.lru_cache(maxsize=8)
def _document(endpoint: str) -> str:
    document = json.loads(get_static_doc("gmail", "v1"))
    for key in ("rootUrl", "baseUrl", "mtlsRootUrl"):
        document[key] = endpoint
    return json.dumps(document)


def build_service(endpoint: str | None, credentials: Any) -> Any:
    """A gmail v1 Resource whose every request (plain, upload, batch) goes to `endpoint` (None: Google)."""
    endpoint = normalise_endpoint(endpoint)
    return build_from_document(_document(endpoint), credentials=credentials,
                               client_options={"api_endpoint": endpoint})


def credentials_for(address: str, endpoint: str | None, stored: CredentialsLookup | None = None) -> Any:
    """The credentials for `address`: the stored ones (`stored`, e.g. a short session reading
    `gmail_sync.credentials`), else, for a local endpoint, an anonymous bearer token (the local Gmail takes any)."""
    found = stored(address) if stored is not None else None
    if found is not None:
        return found
    if endpoint:  # the local Gmail takes any bearer token
        return google.oauth2.credentials.Credentials(token="local-gmail")
    raise CredentialsMissing(f"no Gmail credentials for {address}: run `linedesk mailbox connect {address}`")


@dataclass
class FetchedMessage:
    """One message as messages.get(format=raw) returns it."""

    id: str
    thread_id: str
    label_ids: list[str]
    internal_date_ms: int
    history_id: str | None
    raw: bytes


@dataclass
class GmailApi:
    """The sync's Gmail calls for one mailbox, through its limiter and backoff. One per thread (httplib2)."""

    service: Any
    endpoint: str
    address: str
    limiter: Limiter = field(default_factory=Limiter)
    backoff: Backoff = field(default_factory=Backoff)
    refusals: int = 0  # quota refusals seen (429 / rate-limit 403), for figures and tests

    @classmethod
    def connect(cls, address: str, endpoint: str | None, *, limiter: Limiter | None = None,
                backoff: Backoff | None = None, stored: CredentialsLookup | None = None) -> GmailApi:
        creds = credentials_for(address, endpoint, stored)
        endpoint = normalise_endpoint(endpoint)
        return cls(build_service(endpoint, creds), endpoint, address, limiter or Limiter(), backoff or Backoff())

    @property
    def user_id(self) -> str:
        # The mailbox's own address, never "me": valid against Google (the delegation subject or the OAuth user)
        # and unambiguous against the local Gmail, which serves many mailboxes.
        return self.address

    # ----- the calls ------------------------------------------------------------------------------------
    def profile(self) -> dict[str, Any]:
        return self._execute("getProfile", lambda: self.service.users().getProfile(userId=self.user_id))

    def list_ids(self, label: str, query: str, page_size: int = 500) -> list[str]:
        """Every message id with `label` matching `query`, newest first (messages.list, all pages)."""
        ids: list[str] = []
        token: str | None = None
        while True:
            page = self._execute("messages.list", lambda: self.service.users().messages().list(
                userId=self.user_id, labelIds=[label], q=query, maxResults=page_size, pageToken=token))
            ids.extend(m["id"] for m in page.get("messages", []))
            token = page.get("nextPageToken")
            if not token:
                return ids

    def history_page(self, start: str, page_token: str | None, page_size: int = 500) -> dict[str, Any]:
        try:
            return self._execute("history.list", lambda: self.service.users().history().list(
                userId=self.user_id, startHistoryId=start, pageToken=page_token, maxResults=page_size,
                historyTypes=["messageAdded", "labelAdded", "labelRemoved"]))
        except GmailRequestError as exc:
            if exc.status == 404:
                raise HistoryExpired(f"history id {start} of {self.address} is no longer kept") from exc
            raise

    def watch(self, topic: str, label_ids: Iterable[str] = ("INBOX",)) -> dict[str, Any]:
        body = {"topicName": topic, "labelIds": list(label_ids), "labelFilterBehavior": "include"}
        return self._execute("watch", lambda: self.service.users().watch(userId=self.user_id, body=body))

    def fetch_raw(self, ids: list[str]) -> list[FetchedMessage]:
        """messages.get(format=raw) for `ids`, in batches that fit the quota; gone messages are left out.
        The result keeps the order of `ids`."""
        found: dict[str, FetchedMessage | None] = {}
        size = self.limiter.calls_per_burst("messages.get", MAX_BATCH)
        for start in range(0, len(ids), size):
            self._fetch_batch(ids[start:start + size], found)
        return [message for message in (found.get(i) for i in ids) if message is not None]

    def message_payload(self, message_id: str) -> dict[str, Any]:
        """The MIME tree of one message as Gmail describes it (messages.get format=full, the payload only)."""
        answer = self._execute("messages.get", lambda: self.service.users().messages().get(
            userId=self.user_id, id=message_id, format="full", fields="payload"))
        return dict(answer.get("payload") or {})

    def attachment_data(self, message_id: str, attachment_id: str) -> str:
        """messages.attachments.get: the attachment's bytes, base64url as Gmail sends them."""
        answer = self._execute("messages.attachments.get", lambda: self.service.users().messages().attachments()
                               .get(userId=self.user_id, messageId=message_id, id=attachment_id))
        return str(answer.get("data") or "")

    # ----- labels (labels.gmail_labels) ------------------------------------------------------------------
    def list_labels(self) -> list[dict[str, Any]]:
        """Every label of the mailbox, system and user (labels.list: one page, no counts)."""
        return list(self._execute("labels.list", lambda: self.service.users().labels().list(
            userId=self.user_id)).get("labels", []))

    def create_label(self, name: str, colour: tuple[str, str] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name, "labelListVisibility": "labelShow", "messageListVisibility": "show"}
        if colour is not None:
            body["color"] = {"backgroundColor": colour[0], "textColor": colour[1]}
        return self._execute("labels.create", lambda: self.service.users().labels().create(
            userId=self.user_id, body=body))

    def rename_label(self, label_id: str, name: str) -> dict[str, Any]:
        """labels.patch of the name only: the label keeps its id, so every message keeps it."""
        return self._execute("labels.patch", lambda: self.service.users().labels().patch(
            userId=self.user_id, id=label_id, body={"name": name}))

    def delete_label(self, label_id: str) -> None:
        """labels.delete: the label goes from every message too. Already gone is fine."""
        try:
            self._execute("labels.delete", lambda: self.service.users().labels().delete(
                userId=self.user_id, id=label_id))
        except GmailRequestError as exc:
            if exc.status != 404:
                raise

    def thread_label_ids(self, thread_id: str) -> list[list[str]] | None:
        """Each message's label ids in `thread_id` (threads.get format=minimal); None when the thread is gone."""
        try:
            thread = self._execute("threads.get", lambda: self.service.users().threads().get(
                userId=self.user_id, id=thread_id, format="minimal"))
        except GmailRequestError as exc:
            if exc.status == 404:
                return None
            raise
        return [list(message.get("labelIds", [])) for message in thread.get("messages", [])]

    def modify_thread(self, thread_id: str, add: Iterable[str], remove: Iterable[str]) -> None:
        body = {"addLabelIds": sorted(add), "removeLabelIds": sorted(remove)}
        self._execute("threads.modify", lambda: self.service.users().threads().modify(
            userId=self.user_id, id=thread_id, body=body))

    # ----- retries --------------------------------------------------------------------------------------
    def _execute(self, method: str, make_request: Callable[[], Any]) -> dict[str, Any]:
        delays = self.backoff.delays()
        while True:
            self.limiter.acquire(cost(method))
            try:
                result: dict[str, Any] = make_request().execute()
                return result
            except HttpError as exc:
                if not self._retryable(exc):
                    raise GmailRequestError(f"{method}: {_reason(exc)}", exc.status_code) from exc
                failure: Exception = exc
            except _CONNECTION_ERRORS as exc:
                failure = exc
            self._wait(delays, f"{method}: {failure}")

    def _fetch_batch(self, ids: list[str], found: dict[str, FetchedMessage | None]) -> None:
        pending = list(ids)
        delays = self.backoff.delays()
        while pending:
            failed: list[str] = []

            def collect(request_id: str, response: Any, exception: HttpError | None) -> None:
                if exception is None:
                    found[request_id] = _fetched(response)
                elif exception.status_code == 404:
                    found[request_id] = None  # deleted since it was listed
                elif self._retryable(exception):
                    failed.append(request_id)
                else:
                    raise GmailRequestError(f"messages.get {request_id}: {_reason(exception)}",
                                            exception.status_code)

            batch = BatchHttpRequest(callback=collect, batch_uri=self.endpoint + "batch")
            messages = self.service.users().messages()  # building a resource costs as much as a call
            for message_id in pending:
                batch.add(messages.get(userId=self.user_id, id=message_id, format="raw"), request_id=message_id)
            self.limiter.acquire(cost("messages.get") * len(pending))
            try:
                batch.execute()
            except HttpError as exc:
                if not self._retryable(exc):
                    raise GmailRequestError(f"batch: {_reason(exc)}", exc.status_code) from exc
                failed = [i for i in pending if i not in found]
            except _CONNECTION_ERRORS:
                failed = [i for i in pending if i not in found]
            pending = failed
            if pending:
                self._wait(delays, f"messages.get: {len(pending)} of {len(ids)} failed")

    def _retryable(self, exc: HttpError) -> bool:
        status = exc.status_code
        quota = status == 429 or (status == 403 and _reason_code(exc) in _RATE_REASONS)
        if quota:
            self.refusals += 1
            self.limiter.throttled()
        return quota or status >= 500

    def _wait(self, delays: Any, what: str) -> None:
        delay = next(delays, None)
        if delay is None:
            raise GmailUnavailable(f"Gmail kept failing for {self.address}: {what}")
        self.backoff.wait(delay)


def _fetched(response: dict[str, Any]) -> FetchedMessage:
    raw = response.get("raw", "")
    return FetchedMessage(
        id=response["id"], thread_id=response.get("threadId", response["id"]),
        label_ids=list(response.get("labelIds", [])), internal_date_ms=int(response.get("internalDate", 0)),
        history_id=response.get("historyId"), raw=base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)),
    )


def _reason_code(exc: HttpError) -> str:
    try:
        details = json.loads(exc.content.decode("utf-8", "replace"))["error"]["errors"][0]
        return str(details.get("reason", ""))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return ""


def _reason(exc: HttpError) -> str:
    return f"HTTP {exc.status_code} {_reason_code(exc) or exc.reason}"
