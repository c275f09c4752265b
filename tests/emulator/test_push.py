"""watch/stop and Pub/Sub-style push to a local receiver: immediate on watch, then at most one per interval."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from googleapiclient.errors import HttpError

from tests.emulator.conftest import SUPPORT, import_mail, make_mail

TOPIC = "projects/linedesk-demo/topics/gmail"


class Receiver:
    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.arrived:
                    receiver.bodies.append(body)
                    receiver.arrived.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/push"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.bodies) < count and time.monotonic() < deadline:
                self.arrived.wait(deadline - time.monotonic())
            return list(self.bodies)

    def data(self, index: int) -> dict:
        return json.loads(base64.urlsafe_b64decode(self.bodies[index]["message"]["data"]))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def test_watch_returns_history_and_expiration_and_pushes_at_once(emulator, gmail, receiver):
    emulator.control.configure(push_url=receiver.url)
    started_ms = time.time() * 1000
    response = gmail.users().watch(userId="me", body={"topicName": TOPIC, "labelIds": ["INBOX"]}).execute()
    assert int(response["expiration"]) > started_ms + 6 * 24 * 3600 * 1000
    bodies = receiver.wait_for(1)
    assert len(bodies) == 1
    assert bodies[0]["subscription"].startswith("projects/linedesk-demo/subscriptions/")
    assert {"messageId", "publishTime"} <= set(bodies[0]["message"])
    assert receiver.data(0) == {"emailAddress": SUPPORT, "historyId": int(response["historyId"])}


def test_changes_are_coalesced_to_one_push_per_interval(emulator, gmail, receiver):
    emulator.control.configure(push_url=receiver.url, push_interval_s=0.4)
    gmail.users().watch(userId="me", body={"topicName": TOPIC}).execute()
    receiver.wait_for(1)
    for n in range(5):
        import_mail(gmail, make_mail(f"m{n}"))
    bodies = receiver.wait_for(2)
    time.sleep(0.6)  # one interval more: nothing else may arrive for the burst
    assert len(receiver.bodies) == 2, bodies
    current = gmail.users().getProfile(userId="me").execute()["historyId"]
    assert receiver.data(1)["historyId"] <= int(current)


def test_label_filter_include_and_stop(emulator, gmail, receiver):
    emulator.control.configure(push_url=receiver.url, push_interval_s=0.05)
    gmail.users().watch(userId="me", body={"topicName": TOPIC, "labelIds": ["STARRED"],
                                           "labelFilterBehavior": "include"}).execute()
    receiver.wait_for(1)
    message = import_mail(gmail, make_mail())  # INBOX only: filtered out
    time.sleep(0.2)
    assert len(receiver.bodies) == 1
    gmail.users().messages().modify(userId="me", id=message["id"], body={"addLabelIds": ["STARRED"]}).execute()
    assert len(receiver.wait_for(2)) == 2
    gmail.users().stop(userId="me").execute()
    gmail.users().messages().modify(userId="me", id=message["id"], body={"removeLabelIds": ["STARRED"]}).execute()
    time.sleep(0.2)
    assert len(receiver.bodies) == 2


def test_watch_validates_topic(gmail):
    with pytest.raises(HttpError) as info:
        gmail.users().watch(userId="me", body={"topicName": "gmail"}).execute()
    assert info.value.status_code == 400
