"""Whole conversations over the REST channel, as a person would have them (issue 5)."""

from __future__ import annotations

import time
from typing import Any

from tests.e2e.conftest import ROOT, Stack

# fake values only (DESIGN.md): they must not survive anywhere under var/
PHONE, PASSPORT, EMAIL = "+507 6000-0000", "X0000000", "user@example.org"


def texts(replies: list[dict[str, Any]]) -> list[str]:
    return [r.get("text", "") for r in replies]


def test_a_topic_then_a_place_button_gives_services_with_their_buttons(
    stack: Stack, sender: str
) -> None:
    answer = texts(stack.say(sender, "necesito ir al medico y no tengo seguro"))
    assert any("Fuente:" in t for t in answer)
    replies = stack.say(sender, '/inform_location{"corregimiento": "Herrera"}')
    assert replies[0]["text"].startswith("Servicios para Herrera:")
    payloads = [b["payload"] for b in replies[0]["buttons"]]
    assert "/referral_card" in payloads and "/report_service_problem" in payloads
    card = texts(stack.say(sender, "/referral_card"))[0]
    assert card.startswith("🧾 Tarjeta de referencia")


def test_an_emergency_from_the_middle_of_a_handoff_question_gets_911_first(
    stack: Stack, sender: str
) -> None:
    stack.say(sender, "quiero hablar con una persona")
    replies = texts(stack.say(sender, "me quiero matar"))
    assert "911" in replies[0] and "147" in replies[0]
    assert any("urgente" in t for t in replies[1:])


def test_contacts_and_documents_leave_no_trace_under_var(stack: Stack, sender: str) -> None:
    stack.say(sender, f"hola, mi numero es {PHONE} y mi correo {EMAIL}")
    stack.say(sender, f"se me vencio el pasaporte {PASSPORT}, que hago")
    stack.say(sender, "quiero hablar con una persona")
    assert "caso" in texts(stack.say(sender, "si"))[0]
    time.sleep(1)
    needles = [n.encode() for n in (PHONE, "6000-0000", "60000000", PASSPORT, EMAIL)]
    for path in (ROOT / "var").rglob("*"):
        if path.is_file() and path.name != "rasa_token":
            data = path.read_bytes()
            for needle in needles:
                assert needle not in data, f"{needle!r} found in {path.relative_to(ROOT)}"


def _said(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the tracker holds of the conversation itself (Rasa answers a GET on an emptied
    tracker with a fresh session start: actions and `session_started`, no words)."""
    return [e for e in events if e["event"] not in ("action", "session_started")]


def test_erasure_empties_the_tracker(stack: Stack, sender: str) -> None:
    stack.say(sender, "necesito trabajo en herrera")
    assert any(e["event"] == "user" for e in stack.tracker_events(sender))
    assert "No se puede deshacer" in texts(stack.say(sender, "borra mis datos"))[0]
    assert texts(stack.say(sender, "si"))[0].startswith("Listo: borré")
    for _ in range(120):  # up to 30 s on a loaded machine
        if not _said(stack.tracker_events(sender)):
            break
        time.sleep(0.25)
    assert _said(stack.tracker_events(sender)) == []


def test_an_english_conversation_stays_in_english(stack: Stack, sender: str) -> None:
    answer = texts(stack.say(sender, "how can i get a work permit?"))
    assert any("Source:" in t for t in answer)
    replies = texts(stack.say(sender, "i live in omar torijos"))
    assert replies[0].startswith("Services for Omar Torrijos:")


def test_while_a_caseworker_has_the_case_the_bot_holds_but_not_in_danger(
    stack: Stack, sender: str
) -> None:
    stack.say(sender, "quiero hablar con una persona")
    stack.say(sender, "si")
    held = texts(stack.say(sender, "donde hay un centro de salud en herrera"))
    assert held[0].startswith("Tu mensaje queda para la persona del equipo")
    assert len(held) == 1
    danger = texts(stack.say(sender, "ayuda mi pareja me esta golpeando"))
    assert "911" in danger[0] and "182" in danger[0]
