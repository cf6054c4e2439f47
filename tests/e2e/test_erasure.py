"""`delete_my_data` erases everything linked to the person's key (DESIGN.md), tracker included.

The conversation leaves a row in each table a conversation writes to: a referral request (a
topic and a corregimiento, so services are listed), a service flag (which carries no key by
design) and a handoff: consented (the person said yes), or urgent (an emergency). The key the
rows carry is computed here as the action server computes it (actions/context.py: the keyed
hash of the Rasa sender with the stack's HASH_KEY), so finding the rows under it and then
finding none pins that the referral log, the handoffs and the erasure all use the same key.
Every table of the database is searched, every column.
"""

from __future__ import annotations

import json
import time
from typing import Any

from tests.e2e import database
from tests.e2e.conftest import Stack, person_key, variation_text

Responses = dict[str, list[dict[str, Any]]]
PROBLEM_PAYLOAD = "/report_service_problem"


def texts(replies: list[dict[str, Any]]) -> list[str]:
    return [r.get("text", "") for r in replies]


def _said(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation itself (an emptied tracker answers with a fresh session: actions and
    `session_started`, no words)."""
    return [e for e in events if e["event"] not in ("action", "session_started")]


def leave_a_referral_and_a_flag(stack: Stack, sender: str) -> None:
    """Services listed for a topic and a place (a referral_request row), then "Something
    wrong?" on the first one: closed (a service_flag row)."""
    offered = texts(stack.say(sender, "necesito trabajo en herrera"))
    assert "¿Quieres ver los servicios para Herrera?" in offered  # asked, not sent: a phone
    listing = stack.say(sender, "si")
    assert any(t.startswith("Servicios para Herrera:") for t in texts(listing))
    which = stack.say(sender, PROBLEM_PAYLOAD)
    service_payload = which[0]["buttons"][0]["payload"]
    service_id = json.loads(service_payload.removeprefix(PROBLEM_PAYLOAD))["service_id"]
    what = stack.say(sender, service_payload)
    closed = next(b["payload"] for b in what[0]["buttons"] if '"closed"' in b["payload"])
    flags = database.count_rows("service_flag", service_id=service_id)
    stack.say(sender, closed)
    assert database.count_rows("service_flag", service_id=service_id) == flags + 1


def erase_and_check_nothing_is_left(stack: Stack, sender: str, responses: Responses) -> None:
    key = person_key(sender)
    before = database.holding(key)
    assert "conversation_key" in before.get("referral_request", [])
    assert "conversation_key" in before.get("handoff", [])
    assert any(e["event"] == "user" for e in stack.tracker_events(sender))

    asked = texts(stack.say(sender, "borra mis datos"))
    assert asked[0] == variation_text(responses, "utter_confirm_delete", "es")
    done = texts(stack.say(sender, "si"))
    assert done[0] == variation_text(responses, "utter_data_deleted", "es")

    for _ in range(120):  # the tracker is emptied just after the turn (actions/privacy.py)
        if not _said(stack.tracker_events(sender)):
            break
        time.sleep(0.25)
    assert _said(stack.tracker_events(sender)) == []
    assert len(database.tables()) > 3  # the search ran over the real schema
    assert database.holding(key) == {}
    assert database.holding(sender) == {}  # nor the Rasa sender itself


def test_erasure_after_a_consented_handoff_leaves_no_row_with_the_persons_key_in_any_table(
    stack: Stack, sender: str, responses: Responses
) -> None:
    assert database.holding(person_key(sender)) == {}
    leave_a_referral_and_a_flag(stack, sender)
    stack.say(sender, "quiero hablar con una persona")
    opened = texts(stack.say(sender, "si"))
    assert opened[0] == variation_text(responses, "utter_handoff_opened", "es")
    erase_and_check_nothing_is_left(stack, sender, responses)


def test_erasure_after_an_urgent_handoff_leaves_no_row_with_the_persons_key_in_any_table(
    stack: Stack, sender: str, responses: Responses
) -> None:
    """The same with the handoff an emergency opens (urgent, not consented: no hold)."""
    assert database.holding(person_key(sender)) == {}
    leave_a_referral_and_a_flag(stack, sender)
    urgent = texts(stack.say(sender, "me quiero matar"))
    assert variation_text(responses, "utter_emergency_handoff", "es") in urgent
    erase_and_check_nothing_is_left(stack, sender, responses)
