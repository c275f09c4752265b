"""Fidelity: every Gmail method the project uses is served at the discovery document's path, and every response
validates against the document's schema — no missing types, no fields the schema does not define.

The validator speaks the discovery dialect: `type` object/array/string/integer/number/boolean/any, `properties`,
`additionalProperties`, `items`, `$ref`, `enum`, and `format` (int64/uint64 are decimal strings, int32/uint32 are
bounded integers, byte is base64).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

import pytest

from gmail_emulator import api, discovery
from tests.emulator.conftest import SUPPORT, b64, import_mail, make_mail

SCHEMAS = discovery.document()["schemas"]


def validate(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    if "$ref" in schema:
        return validate(value, SCHEMAS[schema["$ref"]], where)
    kind = schema.get("type", "any")
    problems = _type_problems(value, kind, schema.get("format"), where)
    if problems:
        return problems
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: {value!r} not in enum"]
    if kind == "object":
        for key, item in value.items():
            prop = schema.get("properties", {}).get(key) or schema.get("additionalProperties")
            if prop is None:
                problems.append(f"{where}.{key}: not defined by the schema")
            else:
                problems.extend(validate(item, prop, f"{where}.{key}"))
    if kind == "array":
        for index, item in enumerate(value):
            problems.extend(validate(item, schema["items"], f"{where}[{index}]"))
    return problems


def _type_problems(value: Any, kind: str, fmt: str | None, where: str) -> list[str]:
    checks: dict[str, Callable[[Any], bool]] = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str) and _string_format_ok(v, fmt),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool) and _int_format_ok(v, fmt),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "any": lambda v: True,
    }
    return [] if checks[kind](value) else [f"{where}: {value!r} is not {kind}/{fmt}"]


def _string_format_ok(value: str, fmt: str | None) -> bool:
    if fmt in ("int64", "uint64"):
        return value.lstrip("-").isdigit() and (fmt == "int64" or not value.startswith("-"))
    if fmt == "byte":
        try:
            base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except (binascii.Error, ValueError):
            return False
    return True


def _int_format_ok(value: int, fmt: str | None) -> bool:
    bounds = {"int32": (-(2**31), 2**31 - 1), "uint32": (0, 2**32 - 1)}
    low, high = bounds.get(fmt or "", (-(2**63), 2**64))
    return low <= value <= high


def test_validator_catches_extra_fields_and_bad_formats():
    assert validate({"id": "1", "bogus": 1}, {"$ref": "Label"}) == ["$.bogus: not defined by the schema"]
    assert validate({"historyId": 5}, {"$ref": "Profile"})
    assert validate({"historyId": "5", "messagesTotal": 3}, {"$ref": "Profile"}) == []


def _calls(gmail: Any, ids: dict[str, str]) -> dict[str, Any]:
    """One request per method the project uses, against a mailbox prepared by the test."""
    users, messages, threads, labels = gmail.users(), gmail.users().messages(), gmail.users().threads(), \
        gmail.users().labels()
    me = {"userId": "me"}
    reply = make_mail("Re: Fidelity", sender=SUPPORT, to="x@example.org", in_reply_to="<fid@example.org>",
                      references="<fid@example.org>")
    return {
        "gmail.users.getProfile": users.getProfile(**me),
        "gmail.users.watch": users.watch(**me, body={"topicName": "projects/p/topics/t", "labelIds": ["INBOX"]}),
        "gmail.users.stop": users.stop(**me),
        "gmail.users.history.list": users.history().list(**me, startHistoryId=ids["start"]),
        "gmail.users.labels.list": labels.list(**me),
        "gmail.users.labels.get": labels.get(**me, id=ids["label"]),
        "gmail.users.labels.create": labels.create(**me, body={"name": "Fidelity/New"}),
        "gmail.users.labels.update": labels.update(**me, id=ids["label"], body={"name": "Fidelity/Renamed"}),
        "gmail.users.labels.patch": labels.patch(
            **me, id=ids["label"], body={"color": {"backgroundColor": "#000000", "textColor": "#ffffff"}}),
        "gmail.users.labels.delete": labels.delete(**me, id=ids["spare_label"]),
        "gmail.users.messages.list": messages.list(**me, q="fidelity"),
        "gmail.users.messages.get": messages.get(**me, id=ids["message"]),
        "gmail.users.messages.insert": messages.insert(**me, body={"raw": b64(make_mail("Inserted"))}),
        "gmail.users.messages.import": messages.import_(**me, body={"raw": b64(make_mail("Imported"))}),
        "gmail.users.messages.send": messages.send(**me, body={"raw": b64(reply), "threadId": ids["thread"]}),
        "gmail.users.messages.modify": messages.modify(**me, id=ids["message"], body={"addLabelIds": ["STARRED"]}),
        "gmail.users.messages.batchModify": messages.batchModify(
            **me, body={"ids": [ids["message"]], "removeLabelIds": ["STARRED"]}),
        "gmail.users.messages.trash": messages.trash(**me, id=ids["spare"]),
        "gmail.users.messages.untrash": messages.untrash(**me, id=ids["spare"]),
        "gmail.users.messages.delete": messages.delete(**me, id=ids["spare"]),
        "gmail.users.messages.batchDelete": messages.batchDelete(**me, body={"ids": [ids["spare2"]]}),
        "gmail.users.messages.attachments.get": messages.attachments().get(
            **me, messageId=ids["message"], id=ids["attachment"]),
        "gmail.users.threads.list": threads.list(**me),
        "gmail.users.threads.get": threads.get(**me, id=ids["thread"]),
        "gmail.users.threads.modify": threads.modify(**me, id=ids["thread"], body={"addLabelIds": ["IMPORTANT"]}),
        "gmail.users.threads.trash": threads.trash(**me, id=ids["spare_thread"]),
        "gmail.users.threads.untrash": threads.untrash(**me, id=ids["spare_thread"]),
        "gmail.users.threads.delete": threads.delete(**me, id=ids["spare_thread"]),
    }


@pytest.fixture
def prepared(gmail) -> dict[str, str]:
    start = gmail.users().getProfile(userId="me").execute()["historyId"]
    main = import_mail(gmail, make_mail("Fidelity", message_id="<fid@example.org>", attachment=b"attached bytes"))
    payload = gmail.users().messages().get(userId="me", id=main["id"]).execute()["payload"]
    label = gmail.users().labels().create(userId="me", body={"name": "Fidelity"}).execute()
    spare_label = gmail.users().labels().create(userId="me", body={"name": "Spare"}).execute()
    return {
        "start": start, "message": main["id"], "thread": main["threadId"], "label": label["id"],
        "spare_label": spare_label["id"], "attachment": payload["parts"][1]["body"]["attachmentId"],
        "spare": import_mail(gmail, make_mail("spare"))["id"], "spare2": import_mail(gmail, make_mail("spare2"))["id"],
        "spare_thread": import_mail(gmail, make_mail("spare thread"))["threadId"],
    }


def test_every_served_method_is_a_documented_method_at_its_documented_path(emulator):
    documented = discovery.methods()
    rules = {rule.endpoint: rule.rule for rule in emulator.emulator.url_map.iter_rules()}
    for method_id in api.HANDLERS:
        assert method_id in documented
        expected = "/" + documented[method_id].path.replace("{", "<").replace("}", ">")
        assert rules[method_id] == expected


def test_every_used_method_answers_with_its_documented_schema(gmail, prepared):
    calls = _calls(gmail, prepared)
    assert set(calls) == set(api.HANDLERS), "each handled method must be exercised here"
    for method_id, request in calls.items():
        assert request.methodId == method_id
        result = request.execute()
        response_ref = _response_ref(method_id)
        if response_ref is None:
            assert result in ("", {}, None), (method_id, result)
            continue
        problems = validate(result, {"$ref": response_ref})
        assert not problems, (method_id, problems)


@pytest.mark.parametrize("fmt", ["minimal", "metadata", "full", "raw"])
def test_message_formats_validate(gmail, prepared, fmt):
    got = gmail.users().messages().get(userId="me", id=prepared["message"], format=fmt).execute()
    assert validate(got, {"$ref": "Message"}) == []
    thread_fmt = fmt if fmt != "raw" else "full"
    thread = gmail.users().threads().get(userId="me", id=prepared["thread"], format=thread_fmt).execute()
    assert validate(thread, {"$ref": "Thread"}) == []


def test_history_records_validate(gmail, prepared):
    gmail.users().messages().modify(userId="me", id=prepared["message"], body={"addLabelIds": ["STARRED"]}).execute()
    gmail.users().messages().delete(userId="me", id=prepared["spare"]).execute()
    response = gmail.users().history().list(userId="me", startHistoryId=prepared["start"]).execute()
    assert len(response["history"]) >= 5
    assert validate(response, {"$ref": "ListHistoryResponse"}) == []


def _response_ref(method_id: str) -> str | None:
    def find(resources: dict[str, Any]) -> dict[str, Any] | None:
        for resource in resources.values():
            for method in resource.get("methods", {}).values():
                if method["id"] == method_id:
                    return method
            found = find(resource.get("resources", {}))
            if found:
                return found
        return None

    method = find(discovery.document()["resources"])
    assert method is not None
    ref: str | None = method.get("response", {}).get("$ref")
    return ref
