"""The bot's wording (`actions/replies.py`): pure functions, tested without Rasa or a database.

Limits are the channels' (see `bot/render.py`): a message of at most 4096 characters (Telegram
counts UTF-16 units), WhatsApp reply buttons for at most 3 titles of 20 characters, lists of at
most 10 rows whose ids hold 200 characters.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from actions import replies
from content.topics import TOPICS, Source, TopicContent, get_topic_content
from referral_directory.offer import MAX_OFFERED
from referral_directory.places import load_places
from referral_directory.search import ServiceHit

LANGUAGES = ("es", "en")
TEXT_LIMIT = 4096
REPLY_BUTTONS, REPLY_TITLE = 3, 20
LIST_ROWS, ROW_ID = 10, 200
LEVEL_LABELS = {
    "es": {
        "distrito": "(en el distrito)",
        "provincia": "(en la provincia)",
        "national": "(nacional)",
    },
    "en": {
        "distrito": "(in the district)",
        "provincia": "(in the province)",
        "national": "(national)",
    },
}
NOT_VERIFIED = {"es": "aún no verificado", "en": "not yet verified"}


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def hit(n: int, **changes: Any) -> ServiceHit:
    """A service as the search returns it, every field filled."""
    base: ServiceHit = {
        "id": f"00000000-0000-5000-8000-{n:012d}",
        "name": f"Servicio número {n}",
        "organization": f"Organización {n}",
        "types": ["health"],
        "corregimiento": "Herrera",
        "distrito": "La Chorrera",
        "address": f"Calle {n}, frente al parque",
        "phone": "+507 6000-0000",
        "hours": "Lunes a viernes, 8:00-15:00",
        "languages": ["es", "en"],
        "assured_date": "2026-11-23",
        "unconfirmed": [],
        "match_level": "corregimiento",
        "distance_km": None,
    }
    base.update(changes)  # type: ignore[typeddict-item]
    return base


def parse(payload: str) -> tuple[str, dict[str, Any]]:
    """Rasa's `/intent{json}`: the intent and its entities."""
    assert payload.startswith("/")
    intent, brace, rest = payload[1:].partition("{")
    return intent, json.loads(brace + rest) if brace else {}


def blocks(text: str) -> list[str]:
    """A service page's paragraphs: the heading, then one per service."""
    return text.split("\n\n")


# -- words ----------------------------------------------------------------------------------


def test_both_languages_have_every_word_and_an_unknown_language_gets_spanish() -> None:
    es, en = replies.words("es"), replies.words("en")
    assert set(es) == set(en)
    assert set(es["languages"]) == set(en["languages"])
    assert all(es[k] != en[k] for k in es if k != "languages")
    assert replies.words("fr") == es


# -- orientation answers --------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("topic", TOPICS)
def test_an_answer_ends_with_all_its_sources_and_the_review_date(topic: str, language: str) -> None:
    content = get_topic_content(topic, language)
    w = replies.words(language)
    for budget in (replies.TURN_CHARS - 120, 100_000):
        text = replies.topic_answer(content, budget)
        paragraphs = text.split("\n\n")
        assert paragraphs[0] == content.answer
        last = paragraphs[-1]
        assert last.startswith(f"{w['source']}: ")
        assert last.endswith(f" · {w['reviewed']} {content.reviewed.isoformat()}")
        for source in content.sources:  # every source is named, whatever the room
            assert source.institution in last
        assert utf16(text) <= TEXT_LIMIT
    # with room, every address too; on a phone's budget, what fits, the answer never cut
    assert all(f"({s.url})" in text for s in content.sources if s.url)
    assert len(replies.topic_answer(content, replies.TURN_CHARS - 120)) <= replies.TURN_CHARS


@pytest.mark.parametrize("language", LANGUAGES)
def test_steps_are_numbered_documents_listed_and_a_source_without_link_named_alone(
    language: str,
) -> None:
    content = TopicContent(
        topic="health",
        language=language,
        answer="Respuesta corta.",
        steps=("Primero", "Segundo", "Tercero"),
        documents=("Pasaporte", "Carné"),
        source=Source("Ministerio de Salud", None),
        also_sources=(Source("OIM", "https://example.org/oim"),),
        reviewed=dt.date(2026, 11, 23),
        service_types=("health",),
    )
    w = replies.words(language)
    text = replies.topic_answer(content)
    assert f"{w['steps']}:\n1. Primero\n2. Segundo\n3. Tercero" in text
    assert f"{w['documents']}: Pasaporte; Carné" in text
    last = text.split("\n\n")[-1]
    assert last == (
        f"{w['source']}: Ministerio de Salud; OIM (https://example.org/oim)"
        f" · {w['reviewed']} 2026-11-23"
    )
    bare = replies.topic_answer(TopicContent(**{**content.__dict__, "steps": (), "documents": ()}))
    assert w["steps"] not in bare and w["documents"] not in bare
    assert bare.split("\n\n") == ["Respuesta corta.", last]


# -- service pages --------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_page_shows_page_size_services_numbered_on_from_the_offset(language: str) -> None:
    hits = [hit(n) for n in range(1, 9)]
    size = replies.PAGE_SIZE
    for offset in range(0, len(hits), size):
        page = replies.service_page(hits, "Herrera", language, offset)
        heading, *services = blocks(page.text)
        assert heading == replies.words(language)["services_in"].format(place="Herrera")
        expected = hits[offset : offset + size]
        assert len(services) == len(expected)
        for number, (block, h) in enumerate(zip(services, expected), offset + 1):
            assert block.startswith(f"{number}. {h['name']} ({h['organization']})")
        others = [h["name"] for h in hits if h not in expected]
        assert not any(f"{name} (" in page.text for name in others)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_page_has_see_more_only_while_services_remain_and_fits_reply_buttons(
    language: str,
) -> None:
    w = replies.words(language)
    hits = [hit(n) for n in range(1, 8)]  # pages of 3, 3 and 1
    for offset in range(0, len(hits), replies.PAGE_SIZE):
        page = replies.service_page(hits, "Herrera", language, offset)
        intents = [parse(b["payload"])[0] for b in page.buttons]
        remain = len(hits) > offset + replies.PAGE_SIZE
        assert ("more_services" in intents) == remain
        assert intents[-2:] == ["referral_card", "report_service_problem"]
        assert len(page.buttons) <= REPLY_BUTTONS
        assert all(len(b["title"]) <= REPLY_TITLE for b in page.buttons)
        assert {b["title"] for b in page.buttons} <= {w["more"], w["card"], w["wrong"]}


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_empty_page_says_none_or_no_more_and_offers_a_person(language: str) -> None:
    w = replies.words(language)
    none = replies.service_page([], "Herrera", language)
    assert none.text == w["none"].format(place="Herrera")
    done = replies.service_page([hit(1), hit(2)], "Herrera", language, replies.PAGE_SIZE)
    assert done.text == w["no_more"].format(place="Herrera")
    for reply in (none, done):
        assert [parse(b["payload"])[0] for b in reply.buttons] == ["request_human"]
        assert [b["title"] for b in reply.buttons] == [w["person"]]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_service_staff_have_not_verified_says_so(language: str) -> None:
    w = replies.words(language)
    page = replies.service_page(
        [hit(1), hit(2, assured_date=None), hit(3, assured_date="2025-01-31")], "X", language
    )
    first, second, third = blocks(page.text)[1:]
    assert f"✔ {w['verified']} 2026-11-23" in first and NOT_VERIFIED[language] not in first
    assert f"⚠ {NOT_VERIFIED[language]}" in second and "✔" not in second
    assert f"✔ {w['verified']} 2025-01-31" in third and "⚠" not in third


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_service_outside_the_corregimiento_says_at_which_level_it_serves(
    language: str,
) -> None:
    levels = ["corregimiento", "distrito", "provincia", "national"]
    hits = [hit(n, match_level=level) for n, level in enumerate(levels, 1)]
    text = "\n\n".join(replies.service_page(hits, "X", language, offset).text for offset in (0, 3))
    firsts = {b.split("\n")[0] for b in text.split("\n\n") if b[:1].isdigit()}
    by_level = {
        level: next(f for f in firsts if f"número {n} (" in f) for n, level in enumerate(levels, 1)
    }
    labels = LEVEL_LABELS[language]
    assert not any(label in by_level["corregimiento"] for label in labels.values())
    for level, label in labels.items():
        assert by_level[level].endswith(label)


@pytest.mark.parametrize("language", LANGUAGES)
def test_missing_details_are_left_out_not_guessed(language: str) -> None:
    bare = hit(1, address=None, phone=None, hours=None, languages=[], assured_date=None)
    block = blocks(replies.service_page([bare], "X", language).text)[1]
    assert block.split("\n") == [
        "1. Servicio número 1 (Organización 1)",
        f"⚠ {NOT_VERIFIED[language]}",
    ]
    assert "None" not in block


def test_languages_are_named_in_the_persons_language() -> None:
    spoken = hit(1, languages=["es", "en", "ht", "qu"])
    es = blocks(replies.service_page([spoken], "X", "es").text)[1]
    en = blocks(replies.service_page([spoken], "X", "en").text)[1]
    assert "🗣 español, inglés, creole, qu" in es
    assert "🗣 Spanish, English, Creole, qu" in en


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_long_offer_does_not_make_a_longer_message(language: str) -> None:
    hits = [hit(n) for n in range(1, MAX_OFFERED + 1)]
    alone = replies.service_page(hits[:3], "X", language).text
    assert replies.service_page(hits, "X", language).text == alone
    assert utf16(alone) <= TEXT_LIMIT


# -- the card, an unknown place, a flag -----------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_card_lists_name_phone_and_address_and_ends_with_911(language: str) -> None:
    hits = [hit(1), hit(2, phone=None), hit(3, phone=None, address=None)]
    lines = replies.referral_card(hits, language).splitlines()
    assert lines[0] == f"🧾 {replies.words(language)['card_title']}"
    assert lines[1:-1] == [
        "• Servicio número 1: +507 6000-0000 · Calle 1, frente al parque",
        "• Servicio número 2: Calle 2, frente al parque",
        "• Servicio número 3",
    ]
    assert lines[-1].endswith("911")
    card = "\n".join(lines)
    assert "Lunes" not in card and "✔" not in card  # compact: no hours, no marks


CONFIRM = {"es": "(confírmalo antes de ir)", "en": "(confirm before you go)"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_unconfirmed_value_says_confirm_before_you_go(language: str) -> None:
    """The directory's caveats (a phone "not confirmed as an intake line", a centre "not
    confirmed still operating") reach the person, on the list and on the card."""
    doubtful = hit(1, unconfirmed=["phone"])
    closed_maybe = hit(2, unconfirmed=["address", "status"])
    page = blocks(replies.service_page([doubtful, closed_maybe, hit(3)], "X", language).text)
    first, second, third = page[1:]
    assert f"☎ +507 6000-0000 {CONFIRM[language]}" in first.split("\n")
    assert "📍 Calle 1, frente al parque" in first.split("\n")  # the address is confirmed
    assert second.split("\n")[1] == f"⚠ {CONFIRM[language][1:-1]}"
    assert f"📍 Calle 2, frente al parque {CONFIRM[language]}" in second.split("\n")
    assert CONFIRM[language][1:-1] not in third
    card = replies.referral_card([doubtful, closed_maybe, hit(3)], language).splitlines()
    assert card[1:-1] == [
        f"• Servicio número 1: +507 6000-0000 {CONFIRM[language]} · Calle 1, frente al parque",
        f"• Servicio número 2 {CONFIRM[language]}: +507 6000-0000 · Calle 2, frente al parque "
        + CONFIRM[language],
        "• Servicio número 3: +507 6000-0000 · Calle 3, frente al parque",
    ]


def test_a_card_of_a_whole_offer_fits_one_message() -> None:
    long = [
        hit(n, name="N" * 120, phone="+507 6000-0000", address="A" * 200)
        for n in range(MAX_OFFERED)
    ]
    for language in LANGUAGES:
        card = replies.referral_card(long, language)
        assert len(card.splitlines()) == MAX_OFFERED + 2
        assert utf16(card) <= TEXT_LIMIT


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_unknown_place_is_echoed_short_with_at_most_three_suggestions(
    language: str,
) -> None:
    w = replies.words(language)
    reply = replies.unknown_place(
        "x" * 100, ["Herrera", "Barrio Colón", "Tocumen", "Ancón"], language
    )
    assert reply.text.startswith(w["unknown_place"].format(query="x" * 60))
    assert "x" * 61 not in reply.text
    assert reply.text.endswith(w["did_you_mean"])
    assert [parse(b["payload"]) for b in reply.buttons] == [
        ("inform_location", {"corregimiento": name})
        for name in ("Herrera", "Barrio Colón", "Tocumen")
    ]
    assert [b["title"] for b in reply.buttons] == ["Herrera", "Barrio Colón", "Tocumen"]
    alone = replies.unknown_place("villa inventada", [], language)
    assert alone.text == w["unknown_place"].format(query="villa inventada")
    assert alone.buttons == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_something_wrong_names_each_service_shown_then_asks_what(language: str) -> None:
    w = replies.words(language)
    hits = [hit(n) for n in range(MAX_OFFERED - 1)] + [hit(99, name="L" * 80)]
    which = replies.choose_flagged(hits, language)
    assert which.text == w["which_wrong"]
    assert len(which.buttons) == len(hits) <= LIST_ROWS
    assert [parse(b["payload"]) for b in which.buttons] == [
        ("report_service_problem", {"service_id": h["id"]}) for h in hits
    ]
    assert which.buttons[-1]["title"] == "L" * 60
    what = replies.choose_problem(hits[0]["id"], language)
    assert what.text == w["what_wrong"]
    assert [b["title"] for b in what.buttons] == [w["closed"], w["wrong_data"]]
    assert [parse(b["payload"]) for b in what.buttons] == [
        ("report_service_problem", {"service_id": hits[0]["id"], "problem": kind})
        for kind in ("closed", "wrong_data")
    ]
    every = which.buttons + what.buttons
    assert all(len(b["payload"]) <= ROW_ID for b in every)


# -- asking for the place -------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_place_question_offers_the_programme_corregimientos_and_another_place(
    language: str,
) -> None:
    w = replies.words(language)
    reply = replies.ask_place(language)
    assert reply.text == w["where"]
    programme = [c.name for c in load_places().programme]
    assert len(programme) == 6
    assert [b["title"] for b in reply.buttons] == [*programme, w["other_place"]]
    assert [parse(b["payload"]) for b in reply.buttons] == [
        *(("inform_location", {"corregimiento": name}) for name in programme),
        ("inform_location", {}),
    ]
    assert len(reply.buttons) <= LIST_ROWS
    assert all(len(b["payload"]) <= ROW_ID for b in reply.buttons)


def test_a_payload_keeps_accents_as_written() -> None:
    made = replies.payload("inform_location", corregimiento="Las Mañanitas")
    assert "Mañanitas" in made  # not \u00f1: Rasa's button parser reads it as written
    assert parse(made) == ("inform_location", {"corregimiento": "Las Mañanitas"})
    assert parse(replies.payload("more_services")) == ("more_services", {})


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("vivo en villa lucre", "villa lucre"),
        ("Estoy en Herrera.", "Herrera"),
        ("I live in Omar Torrijos!", "Omar Torrijos"),
        ("¿Barrio Colón?", "Barrio Colón"),
        ("Tocumen", "Tocumen"),
    ],
)
def test_the_place_part_of_a_message_leaves_out_the_cue_words(text: str, place: str) -> None:
    assert replies.place_query(text) == place


def test_the_place_part_is_cut_to_sixty_characters() -> None:
    assert len(replies.place_query("vivo en " + "a" * 100)) == 60


def test_a_bilingual_organization_name_is_shown_in_the_person_s_language() -> None:
    both = "Servicio Nacional de Migración (SNM) / National Migration Service"
    assert replies.organization_name(both, "es") == "Servicio Nacional de Migración (SNM)"
    assert replies.organization_name(both, "en") == "National Migration Service"
    # one name only, or a slash inside a name: shown as it is
    assert replies.organization_name("HIAS Panamá", "en") == "HIAS Panamá"
    assert replies.organization_name("A / B / C", "es") == "A / B / C"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_service_staff_have_not_verified_says_so_on_the_card(language: str) -> None:
    card = replies.referral_card([hit(1), hit(2, assured_date=None)], language).splitlines()
    assert NOT_VERIFIED[language] not in card[1]
    assert card[2].startswith(f"• Servicio número 2 (⚠ {NOT_VERIFIED[language]}): ")
