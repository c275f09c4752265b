"""Every card the add-on can produce is valid against card_schema.json, and the schema itself catches what it
should (unknown widget kinds, too many sections or widgets). The add-on client in conftest validates every
response of every add-on test as well; this test makes sure each kind of card is produced at least once."""

from __future__ import annotations

import copy

import jsonschema
import pytest

from app.addon import cards
from tests.addon.conftest import VALIDATOR, card_of, check_card_response


def _valid_card():
    return cards.card("t", None, [cards.section("s", [cards.paragraph("x")])])


@pytest.mark.parametrize("break_it", [
    lambda c: c["sections"][0]["widgets"].append({"image": {"imageUrl": "https://x"}}),
    lambda c: c["sections"].extend(copy.deepcopy(c["sections"][0]) for _ in range(100)),
    lambda c: c["sections"][0]["widgets"].extend({"divider": {}} for _ in range(100)),
    lambda c: c["sections"][0]["widgets"].append({"textParagraph": {"text": "a"}, "divider": {}}),
    lambda c: c["sections"][0]["widgets"].append({"buttonList": {"buttons": [{"text": "x", "onClick": {"action": {
        "function": "javascript:alert(1)"}}}]}}),
    lambda c: c.update(fixedFooter={}),
])
def test_the_schema_rejects_what_google_would(break_it):
    card = _valid_card()
    break_it(card)
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(cards.first_render(card))


def test_every_kind_of_card_is_valid(addon, make_ticket, Session, clock):
    """Queues (empty, full, searched), every ticket state with every action on offer, create, notices."""
    def ok(payload):
        check_card_response(payload)
        return card_of(payload)

    ok(addon("admin").post("/addon/homepage").get_json())                       # nothing anywhere
    ok(addon("stranger@example.com").post("/addon/homepage").get_json())       # not an agent
    ok(cards.first_render(cards.create_card([], "https://x/addon/action", None, None)))  # no line to open in
    ok(addon().post("/addon/contextual", gmail={"messageId": "none"}).get_json())          # create ticket
    number = make_ticket(message_id="gm-1", thread_id="th-1")
    steps = [("anna", "claim", {}), ("anna", "transfer", {"line": "l2", "transfer_note": "n"}),
             ("boris", "claim", {}), ("boris", "start", {}), ("boris", "note", {"note": "x"}),
             ("boris", "subtask", {"subtask_note": "y"}), ("boris", "pass_back", {"pass_back_note": "z"}),
             ("anna", "done", {"problem": "p", "resolution": "r"})]
    for who, do, form in steps:
        ok(addon("anna").post("/addon/contextual", gmail={"messageId": "gm-1"}).get_json())
        ok(addon(who).post("/addon/action", params={"do": do, "number": number}, form=form or None).get_json())
    for do in ("open", "home"):
        ok(addon("anna").post("/addon/action", params={"do": do, "number": number}).get_json())
    for query in ("nothing-like-this", str(number)):
        ok(addon("anna").post("/addon/action", params={"do": "search"}, form={"search": query}).get_json())
