"""The scrubbing tracker store against the real PostgreSQL: what is written holds nothing
personal, and Rasa still rebuilds the conversation from it."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_stores.scrubbing import scrub_event, scrub_text
from rasa_stores.tracker_store import TURN, ScrubbingTrackerStore, Turn
from tests.rasa_stores.conftest import PG_URL

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, ask_help]
slots:
  note:
    type: text
    mappings: [{type: custom}]
responses:
  utter_greet: [{text: "Hola"}]
"""
)

#: invented data of every kind the store must not keep (README: fixtures use no real person's)
PERSONAL = {
    "phone": "+507 6000-0000",
    "local phone": "6000-0000",
    "venezuelan phone": "0412-1234567",
    "e-mail": "user@example.org",
    "panamanian cédula": "8-123-4567",
    "foreigner cédula": "E-8-123456",
    "venezuelan cédula": "V-12.345.678",
    "colombian cédula": "1.234.567.890",
    "passport": "X1234567",
    "card": "4111 1111 1111 1111",
    "name (es)": "Ana Pérez",
    "name (en)": "John Smith",
}
MESSAGE = (
    "Hola, me llamo Ana Pérez. Mi número es +507 6000-0000 o 6000-0000, el de mi hermana "
    "0412-1234567, correo user@example.org, cédula 8-123-4567, carné E-8-123456, "
    "V-12.345.678, CC 1.234.567.890, pasaporte X1234567, tarjeta 4111 1111 1111 1111. "
    "My name is John Smith."
)


def test_every_kind_of_personal_data_is_scrubbed_from_a_message() -> None:
    scrubbed = scrub_text(MESSAGE)
    for kind, value in PERSONAL.items():
        assert value not in scrubbed, kind
    assert "[PHONE]" in scrubbed and "[EMAIL]" in scrubbed and "[NAME]" in scrubbed
    assert scrubbed.startswith("Hola, me llamo [NAME]. Mi número es [PHONE]")


def test_rasa_vocabulary_is_kept_and_nested_text_is_not() -> None:
    event = {
        "event": "user",
        "name": "action_0412",
        "text": "user@example.org",
        "metadata": {"name": "Ana", "deep": [{"x": "+507 6000-0000"}]},
        "parse_data": {"intent": {"name": "greet", "confidence": 0.9}},
        "timestamp": 1.5,
    }
    out = scrub_event(event)
    assert out["event"] == "user" and out["name"] == "action_0412" and out["timestamp"] == 1.5
    assert out["parse_data"]["intent"] == {"name": "greet", "confidence": 0.9}
    assert out["text"] == "[EMAIL]"
    assert out["metadata"]["deep"] == [{"x": "[PHONE]"}]


def _conversation(sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events(sender, [], DOMAIN.slots)
    parse = {
        "text": MESSAGE,
        "intent": {"name": "ask_help", "confidence": 0.97},
        "entities": [{"entity": "phone", "value": "+507 6000-0000", "start": 0, "end": 14}],
    }
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(
        UserUttered(
            MESSAGE,
            parse["intent"],
            parse["entities"],
            parse,
            input_channel="rest",
            metadata={"channel": "telegram", "contact": "user@example.org 0412-1234567"},
        )
    )
    tracker.update(SlotSet("note", "cédula 8-123-4567, V-12.345.678"))
    tracker.update(
        BotUttered("Te escribo a user@example.org", {"buttons": [{"title": "+507 6000-0000"}]})
    )
    return tracker


def _rows(schema: str) -> list[str]:
    engine = sa.create_engine(PG_URL)
    with engine.connect() as connection:
        rows = connection.execute(sa.text(f'SELECT * FROM "{schema}".events')).all()
    engine.dispose()
    return [" ".join(str(v) for v in row) for row in rows]


def test_nothing_personal_reaches_postgresql_and_the_tracker_comes_back(pg_schema: str) -> None:
    store = ScrubbingTrackerStore(domain=DOMAIN, host=PG_URL)
    asyncio.run(store.save(_conversation("s1")))
    rows = _rows(pg_schema)
    assert len(rows) == 4
    dump = "\n".join(rows)
    for kind, value in PERSONAL.items():
        assert value not in dump, f"{kind} written to PostgreSQL"
    back = asyncio.run(store.retrieve("s1"))
    assert back is not None
    assert back.latest_message.intent["name"] == "ask_help"
    assert back.latest_message.text.startswith("Hola, me llamo [NAME].")
    assert back.get_slot("note") == "cédula [DOCUMENT], [DOCUMENT]"
    assert back.latest_bot_utterance.text == "Te escribo a [EMAIL]"
    store.engine.dispose()


def test_only_new_events_are_written_on_the_next_save(pg_schema: str) -> None:
    store = ScrubbingTrackerStore(domain=DOMAIN, host=PG_URL)
    tracker = _conversation("s2")
    asyncio.run(store.save(tracker))
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))
    assert len(_rows(pg_schema)) == 5
    store.engine.dispose()


def _refusing(store: ScrubbingTrackerStore) -> None:
    """Point the store at a port where nothing listens: PostgreSQL refusing connections."""
    store.engine.dispose()
    store.engine = sa.create_engine("postgresql+psycopg2://postgres@127.0.0.1:9/test")
    store.sessionmaker = sa.orm.sessionmaker(bind=store.engine)


def test_unreadable_store_in_a_turn_gives_a_paused_placeholder_and_writes_nothing(
    pg_schema: str,
) -> None:
    store = ScrubbingTrackerStore(domain=DOMAIN, host=PG_URL)
    asyncio.run(store.save(_conversation("s3")))
    _refusing(store)
    failsafe = FailSafeTrackerStore(store)  # what Rasa's Agent wraps every store in

    async def turn() -> tuple[Turn, DialogueStateTracker]:
        state = Turn()
        TURN.set(state)
        tracker = await failsafe.get_or_create_tracker("s3")
        await failsafe.save(tracker)
        return state, tracker

    state, tracker = asyncio.run(turn())
    assert state.unavailable
    assert tracker.is_paused()
    # FailSafeTrackerStore's in-memory fallback was never used: nothing half-kept in memory
    assert failsafe._fallback_tracker_store is None


def test_unreadable_store_outside_a_turn_is_rasas_own_failure(pg_schema: str) -> None:
    store = ScrubbingTrackerStore(domain=DOMAIN, host=PG_URL)
    _refusing(store)
    assert asyncio.run(FailSafeTrackerStore(store).retrieve("s4")) is None


def test_the_person_hears_try_again_with_the_iom_contact(pg_schema: str) -> None:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from rasa_stores.channel import handle_turn

    store = ScrubbingTrackerStore(domain=DOMAIN, host=PG_URL)
    asyncio.run(store.save(_conversation("s5")))
    _refusing(store)
    failsafe = FailSafeTrackerStore(store)

    async def rasa(message: UserMessage) -> None:  # what Rasa's processor does with the store
        tracker = await failsafe.get_or_create_tracker(message.sender_id)
        if not tracker.is_paused():
            await message.output_channel.send_text_message(message.sender_id, "¡Hola! Soy nuevo")
        await failsafe.save(tracker)

    collector = CollectingOutputChannel()
    asyncio.run(handle_turn(rasa, UserMessage("hola", collector, "s5")))
    assert [m["text"] for m in collector.messages] == [collector.messages[0]["text"]]
    answer = collector.messages[0]["text"]
    assert "Inténtalo de nuevo en unos minutos" in answer and "try again in a few minutes" in answer
    assert "+507 305-3350" in answer and "iompanama@iom.int" in answer


def test_replacing_the_events_with_none_erases_every_row(pg_schema: str) -> None:
    """What the person's erasure does through Rasa's API (PUT .../tracker/events with [])."""
    store = ScrubbingTrackerStore(domain=DOMAIN, host=PG_URL)
    asyncio.run(store.save(_conversation("erase-me")))
    asyncio.run(store.save(_conversation("keep-me")))
    asyncio.run(store.save(DialogueStateTracker.from_events("erase-me", [], DOMAIN.slots)))
    assert asyncio.run(store.retrieve("erase-me")) is None
    assert asyncio.run(store.retrieve("keep-me")) is not None
    assert len(_rows(pg_schema)) == 4
    store.engine.dispose()


def test_a_write_that_fails_in_a_turn_writes_nothing_and_the_person_hears_try_again(
    pg_schema: str,
) -> None:
    """Read, then PostgreSQL goes before the write: nothing of the turn is written (one
    transaction), nothing is kept in Rasa's in-memory fallback, the person is told to try
    again, and the next read finds the conversation as it was, whole."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from rasa_stores.channel import handle_turn

    store = ScrubbingTrackerStore(domain=DOMAIN, host=PG_URL)
    asyncio.run(store.save(_conversation("s6")))
    before = _rows(pg_schema)
    failsafe = FailSafeTrackerStore(store)

    async def rasa(message: UserMessage) -> None:  # the processor: read, answer, write
        tracker = await failsafe.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, {"name": "greet", "confidence": 1.0}))
        tracker.update(BotUttered("¡Hola otra vez!"))
        await message.output_channel.send_text_message(message.sender_id, "¡Hola otra vez!")
        _refusing(store)  # PostgreSQL goes down between the read and the write
        await failsafe.save(tracker)

    collector = CollectingOutputChannel()
    turn = asyncio.run(handle_turn(rasa, UserMessage("hola", collector, "s6")))
    assert turn.unavailable
    [answer] = [m["text"] for m in collector.messages]
    assert "Inténtalo de nuevo en unos minutos" in answer and "+507 305-3350" in answer
    assert failsafe._fallback_tracker_store is None  # nothing half-kept in one process
    assert _rows(pg_schema) == before
    back = asyncio.run(ScrubbingTrackerStore(domain=DOMAIN, host=PG_URL).retrieve("s6"))
    assert back is not None and back.latest_bot_utterance.text == "Te escribo a [EMAIL]"
