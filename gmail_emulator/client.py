"""A google-api-python-client Gmail service pointed at an emulator (or any endpoint).

`build("gmail", "v1", client_options={"api_endpoint": URL})` moves ordinary calls to URL, but two things still
follow the discovery document's `rootUrl` (https://gmail.googleapis.com/): media uploads keep its *scheme* (the
client swaps only the host, so an http:// endpoint gets https://host/upload/…) and `new_batch_http_request()`
keeps the whole URL. Building from a copy of the shipped document whose rootUrl/baseUrl are the endpoint fixes
both; nothing else differs from `build()`. Linedesk's own Gmail code should build its service the same way.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import google.oauth2.credentials
from googleapiclient.discovery import build_from_document
from googleapiclient.http import BatchHttpRequest

from gmail_emulator import discovery


@functools.lru_cache(maxsize=16)
def _document_for(endpoint: str) -> dict[str, Any]:
    document = copy.deepcopy(discovery.document())
    document["rootUrl"] = endpoint
    document["baseUrl"] = endpoint
    document["mtlsRootUrl"] = endpoint
    return document


def normalise_endpoint(endpoint: str) -> str:
    return endpoint if endpoint.endswith("/") else endpoint + "/"


def build_service(endpoint: str, token: str = "emulator", credentials: Any = None) -> Any:
    """A gmail v1 Resource whose every request (plain, upload, batch) goes to `endpoint`."""
    endpoint = normalise_endpoint(endpoint)
    creds = credentials or google.oauth2.credentials.Credentials(token=token)
    return build_from_document(copy.deepcopy(_document_for(endpoint)), credentials=creds,
                               client_options={"api_endpoint": endpoint})


def new_batch(endpoint: str, callback: Any = None) -> BatchHttpRequest:
    return BatchHttpRequest(callback=callback, batch_uri=normalise_endpoint(endpoint) + "batch")
