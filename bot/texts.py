"""The few things the gateway says itself, in Spanish and English.

Everything else a person reads comes from Rasa (domain.yml and the directory's content). These
are the replies that must work when Rasa cannot answer or has nothing to answer with: the
notice before the first message, the "only text for now" reply, the "try again" reply with
the IOM contact. Without a language hint a reply carries both languages, Spanish first.
"""

from __future__ import annotations

from typing import Final, Literal

from content.contacts import iom_contact

Language = Literal["es", "en"]

#: The IOM contact, from content/data/contacts.yaml (the one domain.yml's responses show).
IOM_CONTACT: Final = {"es": iom_contact().line("es"), "en": iom_contact().line("en")}

_TEXTS: Final[dict[str, dict[str, str]]] = {
    # /start: the privacy notice in two lines (one per language), before anything is sent on.
    "privacy_notice": {
        "es": "🔒 No guardo tu nombre ni tu número: tu usuario se cambia por un código. "
        "No me des documentos. Si estás en peligro, llama al 911.",
        "en": "🔒 I don't keep your name or number: your user is replaced by a code. "
        "Don't send me documents. If you are in danger, call 911.",
    },
    "choose_language": {
        "es": "Elige tu idioma",
        "en": "Choose your language",
    },
    "only_text": {
        "es": "Por ahora solo entiendo mensajes de texto. Escríbeme tu pregunta, por favor.",
        "en": "For now I only understand text messages. Please type your question.",
    },
    "unavailable": {
        "es": "No puedo responder en este momento. Inténtalo de nuevo en unos minutos. "
        + IOM_CONTACT["es"]
        + ". Si estás en peligro, llama al 911.",
        "en": "I can't answer right now. Please try again in a few minutes. "
        + IOM_CONTACT["en"]
        + ". If you are in danger, call 911.",
    },
    "button_expired": {
        "es": "Ese botón ya no está disponible. Escríbeme tu pregunta, por favor.",
        "en": "That button is no longer available. Please type your question.",
    },
    "choose": {
        "es": "Elige una opción:",
        "en": "Choose an option:",
    },
    "options": {
        "es": "Opciones",
        "en": "Options",
    },
}

#: Language choice buttons: the payload is plain text that the NLU reads as change_language
#: (utter_greet itself asks people to write "English" or "español").
LANGUAGE_BUTTONS: Final = (("Español", "Español"), ("English", "English"))


def language_hint(code: str | None) -> Language | None:
    """Telegram's ``language_code`` (IETF tag such as "es-419", "en") as "es"/"en", if either."""
    if not code:
        return None
    primary = code.split("-", 1)[0].split("_", 1)[0].lower()
    if primary == "es":
        return "es"
    if primary == "en":
        return "en"
    return None


def text(name: str, language: Language | None) -> str:
    """The text in ``language``, or Spanish then English on two lines when it is unknown."""
    variants = _TEXTS[name]
    if language is not None:
        return variants[language]
    return f"{variants['es']}\n{variants['en']}"


def short(name: str, language: Language | None) -> str:
    """Like `text` for labels: one line, "es / en" when the language is unknown."""
    variants = _TEXTS[name]
    if language is not None:
        return variants[language]
    return f"{variants['es']} / {variants['en']}"
