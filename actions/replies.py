"""The words and buttons the bot sends for orientation answers and service lists.

Plain functions over the content store and search results, so that the actions stay thin and
the rendering is tested without Rasa. Texts are short because people read them on cheap phones
with little data; every unverified field is left out rather than guessed, and a service that
staff have not verified says so.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from content.topics import TopicContent
from referral_directory.places import load_places
from referral_directory.search import ServiceHit
from text import strip_place_cue

#: services shown per message: three fit a phone screen
PAGE_SIZE: Final = 3

_WORDS: Final[dict[str, dict[str, Any]]] = {
    "es": {
        "source": "Fuente",
        "reviewed": "revisado el",
        "steps": "Pasos",
        "documents": "Documentos",
        "where": "¿En qué corregimiento estás? Así te digo qué servicios hay cerca.",
        "other_place": "Otro lugar",
        "type_place": "Escribe el nombre de tu corregimiento (por ejemplo: Herrera).",
        "verified": "verificado el",
        "not_verified": "aún no verificado",
        "more": "Ver más",
        "card": "Tarjeta para guardar",
        "wrong": "¿Algo está mal?",
        "person": "Hablar con una persona",
        "services_in": "Servicios para {place}:",
        "level_distrito": "(en el distrito)",
        "level_provincia": "(en la provincia)",
        "level_national": "(nacional)",
        "none": "No encontré servicios activos para {place}.",
        "no_more": "No hay más servicios para {place}.",
        "unknown_place": "No encontré el lugar «{query}».",
        "did_you_mean": "¿Quisiste decir alguno de estos?",
        "national_instead": "Mientras tanto, estos servicios atienden en todo el país:",
        "country": "todo el país",
        "card_title": "Tarjeta de referencia",
        "which_wrong": "¿Qué servicio tiene un problema?",
        "what_wrong": "¿Qué pasa con este servicio?",
        "closed": "Está cerrado",
        "wrong_data": "Datos incorrectos",
        "flag_thanks": "Gracias. El equipo lo revisará. No guardamos nada más que el aviso.",
        "languages": {"es": "español", "en": "inglés", "fr": "francés", "ht": "creole"},
    },
    "en": {
        "source": "Source",
        "reviewed": "reviewed on",
        "steps": "Steps",
        "documents": "Documents",
        "where": "Which corregimiento are you in? Then I can tell you which services are near.",
        "other_place": "Another place",
        "type_place": "Type the name of your corregimiento (for example: Herrera).",
        "verified": "verified on",
        "not_verified": "not yet verified",
        "more": "See more",
        "card": "Card to keep",
        "wrong": "Is something wrong?",
        "person": "Talk to a person",
        "services_in": "Services for {place}:",
        "level_distrito": "(in the district)",
        "level_provincia": "(in the province)",
        "level_national": "(national)",
        "none": "I found no active services for {place}.",
        "no_more": "There are no more services for {place}.",
        "unknown_place": "I could not find the place “{query}”.",
        "did_you_mean": "Did you mean one of these?",
        "national_instead": "Meanwhile, these services serve the whole country:",
        "country": "the whole country",
        "card_title": "Referral card",
        "which_wrong": "Which service has a problem?",
        "what_wrong": "What is wrong with this service?",
        "closed": "It is closed",
        "wrong_data": "Wrong details",
        "flag_thanks": "Thank you. The team will check it. We keep nothing but the flag.",
        "languages": {"es": "Spanish", "en": "English", "fr": "French", "ht": "Creole"},
    },
}


def place_query(text: str) -> str:
    """The place part of a message such as "vivo en villa lucre", to search and to echo: the
    words people put before a place (`text.strip_place_cue`) are not part of its name."""
    return strip_place_cue(text).strip(" .,!?¿¡")[:60]


def words(language: str) -> dict[str, Any]:
    return _WORDS[language if language in _WORDS else "es"]


@dataclass(frozen=True)
class Reply:
    """One message: text and buttons as Rasa's dispatcher takes them."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)


def payload(intent: str, **entities: str) -> str:
    """A button payload that reaches the intent without NLU (Rasa's `/intent{json}`)."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


def topic_answer(content: TopicContent) -> str:
    w = words(content.language)
    parts = [content.answer]
    if content.steps:
        parts.append(
            f"{w['steps']}:\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(content.steps, 1))
        )
    if content.documents:
        parts.append(f"{w['documents']}: " + "; ".join(content.documents))
    cited = ", ".join(
        f"{s.institution} ({s.url})" if s.url else s.institution for s in content.sources
    )
    parts.append(f"{w['source']}: {cited} · {w['reviewed']} {content.reviewed.isoformat()}")
    return "\n\n".join(parts)


def ask_place(language: str) -> Reply:
    """The six programme corregimientos as buttons, and a way out for everyone else."""
    w = words(language)
    buttons = [
        {"title": c.name, "payload": payload("inform_location", corregimiento=c.name)}
        for c in load_places().programme
    ]
    buttons.append({"title": w["other_place"], "payload": payload("inform_location")})
    return Reply(w["where"], buttons)


def _service_lines(hit: ServiceHit, number: int, language: str) -> str:
    w = words(language)
    level = (
        ""
        if hit["match_level"] == "corregimiento"
        else f" {w.get('level_' + hit['match_level'], '')}"
    )
    lines = [f"{number}. {hit['name']} ({hit['organization']}){level}".rstrip()]
    if hit["address"]:
        lines.append(f"📍 {hit['address']}")
    if hit["hours"]:
        lines.append(f"🕒 {hit['hours']}")
    if hit["phone"]:
        lines.append(f"☎ {hit['phone']}")
    if hit["languages"]:
        names = words(language)["languages"]
        lines.append("🗣 " + ", ".join(names.get(code, code) for code in hit["languages"]))
    if hit["assured_date"]:
        lines.append(f"✔ {w['verified']} {hit['assured_date']}")
    else:
        lines.append(f"⚠ {w['not_verified']}")
    return "\n".join(lines)


def service_page(hits: Sequence[ServiceHit], place: str, language: str, offset: int = 0) -> Reply:
    """One page of services with the buttons to go on: more, a card, flag a problem."""
    w = words(language)
    page = list(hits[offset : offset + PAGE_SIZE])
    if not page:
        key = "no_more" if offset else "none"
        return Reply(
            w[key].format(place=place), [{"title": w["person"], "payload": "/request_human"}]
        )
    text = (
        w["services_in"].format(place=place)
        + "\n\n"
        + "\n\n".join(_service_lines(hit, offset + i, language) for i, hit in enumerate(page, 1))
    )
    buttons = []
    if len(hits) > offset + PAGE_SIZE:
        buttons.append({"title": w["more"], "payload": payload("more_services")})
    buttons.append({"title": w["card"], "payload": payload("referral_card")})
    buttons.append({"title": w["wrong"], "payload": payload("report_service_problem")})
    return Reply(text, buttons)


def referral_card(hits: Sequence[ServiceHit], language: str) -> str:
    """A compact text the person can keep or forward: name, phone, address only."""
    w = words(language)
    lines = [f"🧾 {w['card_title']}"]
    for hit in hits:
        contact = " · ".join(x for x in (hit["phone"], hit["address"]) if x)
        lines.append(f"• {hit['name']}" + (f": {contact}" if contact else ""))
    lines.append("Emergencias / Emergency: 911")
    return "\n".join(lines)


def unknown_place(query: str, suggestions: Sequence[str], language: str) -> Reply:
    w = words(language)
    text = w["unknown_place"].format(query=query[:60])
    buttons = [
        {"title": name, "payload": payload("inform_location", corregimiento=name)}
        for name in suggestions[:3]
    ]
    if buttons:
        text += " " + w["did_you_mean"]
    return Reply(text, buttons)


def choose_flagged(hits: Sequence[ServiceHit], language: str) -> Reply:
    w = words(language)
    return Reply(
        w["which_wrong"],
        [
            {
                "title": hit["name"][:60],
                "payload": payload("report_service_problem", service_id=hit["id"]),
            }
            for hit in hits
        ],
    )


def choose_problem(service_id: str, language: str) -> Reply:
    w = words(language)
    return Reply(
        w["what_wrong"],
        [
            {
                "title": w[kind],
                "payload": payload("report_service_problem", service_id=service_id, problem=kind),
            }
            for kind in ("closed", "wrong_data")
        ],
    )
