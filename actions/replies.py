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

from content.topics import FacetContent, Source, TopicContent
from referral_directory.places import default_places
from referral_directory.search import ServiceHit
from text import strip_place_cue

#: services shown per message: three fit a phone screen
PAGE_SIZE: Final = 3
#: at most this many characters in one turn, all messages together: a cheap phone's screens
TURN_CHARS: Final = 900
#: the distritos offered as buttons to someone who does not know their corregimiento: those of
#: the programme's corregimientos first (the place list has them all; typed, any one is found)
PLACE_HELP_DISTRITOS: Final = 4

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
        "confirm": "confírmalo antes de ir",
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
        "unknown_place": "No encontré el lugar «{query}». ¿En qué corregimiento o distrito queda?",
        "did_you_mean": "Quizás es uno de estos:",
        "national_instead": "Mientras tanto, estos servicios atienden en todo el país:",
        "country": "todo el país",
        "card_title": "Tarjeta de referencia",
        "which_wrong": "¿Qué servicio tiene un problema?",
        "what_wrong": "¿Qué pasa con este servicio?",
        "closed": "Está cerrado",
        "wrong_data": "Datos incorrectos",
        "flag_thanks": "Gracias. El equipo lo revisará. No guardamos nada más que el aviso.",
        "languages": {"es": "español", "en": "inglés", "fr": "francés", "ht": "creole"},
        "want_services": "¿Quieres ver los servicios para {place}?",
        "yes_services": "Sí, ver servicios",
        "place_help": (
            "¿Cómo se llama tu corregimiento o tu barrio? También sirve una calle o un lugar "
            "conocido cerca. Si no lo sabes, elige tu distrito."
        ),
        "place_help_location": " También puedes compartir tu ubicación (📎 → Ubicación): la "
        "uso una sola vez para buscar y no la guardo.",
        "told_before": "Sobre {topic} ya te respondí más arriba.",
        "also_mentioned": "También me contaste de {topics}: escríbeme sobre eso cuando quieras.",
        "also_when_safe": "Cuando estés a salvo, también puedo orientarte sobre {topics}.",
        "several_needs": "Me cuentas varias cosas: {topics}. ¿Por cuál empezamos?",
        "and": "y",
        "next_facets": " Puedo decirte cuánto cuesta, qué piden, cuánto tarda o dónde se hace.",
        "not_known": "Ninguna fuente que tengo lo dice",
        "topics": {
            "regularization": "papeles y regularización",
            "refuge": "refugio",
            "work_permit": "permiso de trabajo",
            "employment": "empleo",
            "health": "salud",
            "psychosocial": "apoyo emocional",
            "voluntary_return": "retorno voluntario",
            "discrimination": "discriminación",
        },
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
        "confirm": "confirm before you go",
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
        "unknown_place": "I could not find the place “{query}”. Which corregimiento or district "
        "is it in?",
        "did_you_mean": "Maybe one of these:",
        "national_instead": "Meanwhile, these services serve the whole country:",
        "country": "the whole country",
        "card_title": "Referral card",
        "which_wrong": "Which service has a problem?",
        "what_wrong": "What is wrong with this service?",
        "closed": "It is closed",
        "wrong_data": "Wrong details",
        "flag_thanks": "Thank you. The team will check it. We keep nothing but the flag.",
        "languages": {"es": "Spanish", "en": "English", "fr": "French", "ht": "Creole"},
        "want_services": "Do you want to see the services for {place}?",
        "yes_services": "Yes, show services",
        "place_help": (
            "What is the name of your corregimiento or neighbourhood? A well-known street or "
            "place nearby works too. If you don't know it, pick your district."
        ),
        "place_help_location": " You can also share your location (📎 → Location): I use it "
        "once to search and don't keep it.",
        "told_before": "I already answered about {topic} above.",
        "also_mentioned": "You also told me about {topics}: write to me about it when you want.",
        "also_when_safe": "When you are safe, I can also help you with {topics}.",
        "several_needs": "You tell me about several things: {topics}. Which one first?",
        "and": "and",
        "next_facets": " I can tell you what it costs, what they ask for, how long it takes or "
        "where it is done.",
        "not_known": "None of my sources says this",
        "topics": {
            "regularization": "papers and regularization",
            "refuge": "refugee status",
            "work_permit": "the work permit",
            "employment": "jobs",
            "health": "health",
            "psychosocial": "emotional support",
            "voluntary_return": "voluntary return",
            "discrimination": "discrimination",
        },
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


def _cited(sources: Sequence[Source], links: int) -> str:
    """The sources by name, the first ``links`` of them with their address."""
    return "; ".join(
        f"{src.institution} ({src.url})" if src.url and i < links else src.institution
        for i, src in enumerate(sources)
    )


def topic_answer(content: TopicContent, budget: int = TURN_CHARS) -> str:
    """The answer, its steps and its sources, in at most ``budget`` characters when it can be.

    The answer and the name of every source always go (a fact without its source is not to be
    trusted); what makes the text long goes first when it must: the sources' addresses after
    the first, then the first's, then the steps, which the "requirements" follow-up gives.
    """
    w = words(content.language)
    steps = (
        f"{w['steps']}:\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(content.steps, 1))
        if content.steps
        else ""
    )
    documents = f"{w['documents']}: " + "; ".join(content.documents) if content.documents else ""
    reviewed = f"{w['reviewed']} {content.reviewed.isoformat()}"
    text = ""
    for with_steps, links in ((True, len(content.sources)), (True, 1), (False, 1), (False, 0)):
        source = f"{w['source']}: {_cited(content.sources, links)} · {reviewed}"
        extra = [steps, documents] if with_steps else []
        text = "\n\n".join(p for p in (content.answer, *extra, source) if p)
        if len(text) <= budget:
            return text
    return text


def facet_answer(facet: FacetContent) -> str:
    """A follow-up's answer (cost, documents...) in the topic's context, with its source."""
    w = words(facet.language)
    source = f"{w['source']}: {_cited(facet.sources, 1)} · {w['reviewed']} {facet.reviewed}"
    return f"{facet.text}\n\n{source}"


def told_before(topic: str, language: str) -> str:
    """A topic asked again: one line, not the same long answer once more."""
    w = words(language)
    line: str = w["told_before"].format(topic=w["topics"].get(topic, topic))
    return line + str(w["next_facets"])


def _listed(topics: Sequence[str], language: str) -> str:
    """ "salud, trabajo y refugio": the topics' names as a sentence says them."""
    w = words(language)
    names = [str(w["topics"].get(t, t)) for t in topics]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {w['and']} {names[-1]}"


def also_mentioned(topics: Sequence[str], language: str, *, emergency: bool = False) -> str:
    """The other needs of a long message, offered after the answer to the most urgent one."""
    key = "also_when_safe" if emergency else "also_mentioned"
    return str(words(language)[key]).format(topics=_listed(topics, language))


def several_needs(topics: Sequence[str], intents: Sequence[str], language: str) -> Reply:
    """A long message the model could not settle: its needs as buttons, most urgent first
    (three: what WhatsApp can show), instead of "I did not understand"."""
    w = words(language)
    shown = list(zip(topics, intents))[:3]
    return Reply(
        str(w["several_needs"]).format(topics=_listed(topics, language)),
        [{"title": str(w["topics"].get(t, t))[:20], "payload": payload(i)} for t, i in shown],
    )


def want_services(place: str, language: str) -> Reply:
    """After an answer, for a place already known: the services only if the person wants them."""
    w = words(language)
    return Reply(
        w["want_services"].format(place=place),
        [
            {"title": w["yes_services"], "payload": payload("affirm", question="services")},
            {"title": w["other_place"], "payload": payload("inform_location")},
        ],
    )


def place_help(language: str, channel: str) -> Reply:
    """How to name the place, for someone who does not know their corregimiento's name: the
    distritos of the programme as buttons, and on a chat app, a shared location."""
    w = words(language)
    seen: list[str] = []
    for c in default_places().programme:
        if c.distrito not in seen:
            seen.append(c.distrito)
    text = w["place_help"] + (
        w["place_help_location"] if channel in ("telegram", "whatsapp") else ""
    )
    buttons = [
        {"title": name, "payload": payload("inform_location", corregimiento=name)}
        for name in seen[:PLACE_HELP_DISTRITOS]
    ]
    return Reply(text, buttons)


def ask_place(language: str) -> Reply:
    """The six programme corregimientos as buttons, and a way out for everyone else."""
    w = words(language)
    buttons = [
        {"title": c.name, "payload": payload("inform_location", corregimiento=c.name)}
        for c in default_places().programme
    ]
    buttons.append({"title": w["other_place"], "payload": payload("inform_location")})
    return Reply(w["where"], buttons)


def organization_name(organization: str, language: str) -> str:
    """The organization in the person's language: the directory writes bilingual names as
    "Spanish / English" ("Servicio Nacional de Migración (SNM) / National Migration Service");
    both would make a list of three services longer than a phone's screen."""
    parts = [p.strip() for p in organization.split(" / ")]
    if len(parts) != 2 or not all(parts):
        return organization
    return parts[0] if language == "es" else parts[1]


def _unconfirmed(hit: ServiceHit, field: str, w: dict[str, Any]) -> str:
    """ " (confirm before you go)" after a value its source does not confirm (the directory's
    caveats: a number "not confirmed as an intake line"), else nothing."""
    return f" ({w['confirm']})" if field in hit["unconfirmed"] else ""


def _service_lines(hit: ServiceHit, number: int, language: str) -> str:
    w = words(language)
    level = (
        ""
        if hit["match_level"] == "corregimiento"
        else f" {w.get('level_' + hit['match_level'], '')}"
    )
    organization = organization_name(hit["organization"], language)
    lines = [f"{number}. {hit['name']} ({organization}){level}".rstrip()]
    if "status" in hit["unconfirmed"]:
        lines.append(f"⚠ {w['confirm']}")
    if hit["address"]:
        lines.append(f"📍 {hit['address']}{_unconfirmed(hit, 'address', w)}")
    if hit["hours"]:
        lines.append(f"🕒 {hit['hours']}{_unconfirmed(hit, 'hours', w)}")
    if hit["phone"]:
        lines.append(f"☎ {hit['phone']}{_unconfirmed(hit, 'phone', w)}")
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
    """A compact text the person can keep or forward: name, phone, address only, each that
    its source does not confirm marked "confirm before you go" (after the name: the service
    is not confirmed still operating), and a service staff have not verified marked so."""
    w = words(language)
    lines = [f"🧾 {w['card_title']}"]
    for hit in hits:
        shown = (("phone", hit["phone"]), ("address", hit["address"]))
        contact = " · ".join(v + _unconfirmed(hit, k, w) for k, v in shown if v)
        name = hit["name"] + _unconfirmed(hit, "status", w)
        # a service staff have not verified says so on the card too, as in the list
        unverified = "" if hit.get("assured_date") else f" (⚠ {w['not_verified']})"
        lines.append(f"• {name}{unverified}" + (f": {contact}" if contact else ""))
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
