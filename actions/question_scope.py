"""Which question a message answers: only the one the bot asked in its last turn.

The bot asks four questions that a bare "sí" or "no" can answer: consent to a handoff, the
erasure confirmation, the place ("¿En qué corregimiento estás?") and whether to show the
services near the person. A "sí" is dangerous when it lands on the wrong one (an erasure
confirmed by a "sí" meant for another question, a handoff opened by a question about cost), so
each question is a state of its own, the `question` slot, and this module decides at every
message, before Rasa predicts anything (the slot's custom mapping: `action_scope_question`,
in actions/questions.py), whether that state still holds:

- it holds only for the message right after the bot asked it: a question not answered then is
  dropped, not left armed for a later "sí";
- a button answers only its own question (its payload names it): one pressed late, when another
  question is pending or none, answers nothing;
- consent and erasure need an explicit yes or no: anything ambiguous (a question about cost,
  "gracias", a message not understood) gets the question once more, then the bot moves on;
- a message that clearly goes elsewhere (an emergency, a topic, a place) drops the question and
  is answered in its own right; "cancela" drops it too, saying so.

Pure and typed: the action is a thin wrapper, the rules condition on the slot's value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from text import fold

#: the slot's values; None is "no question pending"
QUESTIONS: Final = ("consent", "erasure", "place", "services")
#: questions whose yes changes what is kept about the person: only an explicit answer counts
EXPLICIT: Final = frozenset({"consent", "erasure"})
ANSWERS: Final = frozenset({"affirm", "deny"})
#: "cancela": the question stays for the cancel action, which drops it and says so
CANCEL: Final = "cancel"
#: asking for erasure again while asked to confirm it is the confirmation
ERASE: Final = "delete_my_data"
#: intents that take the conversation somewhere else: the pending question is dropped
ELSEWHERE: Final = frozenset(
    {
        "emergency",
        "delete_my_data",
        "request_human",
        "change_language",
        "greet",
        "goodbye",
        "help",
        "ask_regularization",
        "ask_refuge",
        "ask_work_permit",
        "ask_employment",
        "ask_health",
        "ask_psychosocial",
        "ask_voluntary_return",
        "report_discrimination",
        "find_service",
        "inform_location",
        "unknown_place",
        "more_services",
        "referral_card",
        "report_service_problem",
    }
)


#: first words of a question, folded: "que significa eso", "can you tell me first"
_QUESTION_LEADS: Final = frozenset(
    {
        "que", "como", "cuando", "cuanto", "cuanta", "cuantos", "donde", "adonde", "quien",
        "quienes", "cual", "cuales", "what", "how", "when", "where", "who", "which", "why",
        "does", "do", "is", "are", "will", "can", "could", "would",
    }
)  # fmt: skip


def _words(message: str) -> list[str]:
    return re.findall(r"\w+", fold(message))


def is_question(message: str) -> bool:
    """Whether the message asks rather than answers: it has a question mark, or its first
    word (after "y" / "and" / "pero" / "but") opens a question. "¿Y se borra lo del caso
    también?" asked while the erasure waits for its yes is not the yes, even when the
    classifier reads it as a request to erase."""
    if "?" in message or "¿" in message:
        return True
    words = _words(message)
    while words and words[0] in {"y", "and", "pero", "but", "o", "or"}:
        words = words[1:]
    return bool(words) and words[0] in _QUESTION_LEADS


#: stems of the words that speak of erasing, folded ("borra", "eliminen", "delete", "todo")
_ERASE_STEMS: Final = (
    "borr",
    "elimin",
    "delet",
    "eras",
    "remov",
    "todo",
    "everything",
    "dato",
    "data",
)


#: words that refuse, folded ("no", "don't" -> "don", "t")
_NEGATIONS: Final = frozenset(
    {"no", "not", "don", "dont", "never", "nunca", "nada", "nothing", "ni", "tampoco", "cancel"}
)


def refuses(message: str) -> bool:
    """Whether the message has a word that refuses ("no", "don't", "nada", "never")."""
    return bool(_NEGATIONS.intersection(_words(message)))


def confirms_erasure(message: str) -> bool:
    """Whether a yes to "¿Borro todo...?" is that yes: a short one ("sí", "si, estoy seguro",
    "yes do it") or one that speaks of erasing ("sí, borra todo"); not a question, and not a
    longer yes about something else ("Yes, show me places", a button of another question typed
    or pressed late), which is asked again: erasing cannot be undone."""
    if is_question(message) or refuses(message):
        return False  # "no don't delete anything" speaks of erasing, to refuse it
    words = _words(message)
    return len(words) <= 3 or any(w.startswith(_ERASE_STEMS) for w in words)


@dataclass(frozen=True)
class Scope:
    """The question still pending after this message, and whether it is being asked again."""

    question: str | None
    repeated: bool = False


def scope(
    *,
    pending: str | None,
    asked_last_turn: bool,
    repeated: bool,
    intent: str | None,
    answers: str | None,
) -> Scope:
    """The state after the person's message.

    ``pending`` is the slot's value, ``asked_last_turn`` whether the bot (re)asked it in its
    last turn, ``repeated`` whether that was already the second asking, ``intent`` the message's
    intent and ``answers`` the question a button's payload names (None when typed).
    """
    if pending not in QUESTIONS or not asked_last_turn:
        return Scope(None)
    if answers is not None and answers != pending:
        return Scope(None)  # a button of another question, pressed late
    if intent in ANSWERS or intent == CANCEL:
        return Scope(pending, repeated)
    if pending == "erasure" and intent == ERASE:
        return Scope(pending, repeated)  # "sí, borra todo": asked to confirm, it confirms
    if pending in EXPLICIT and intent not in ELSEWHERE and not repeated:
        return Scope(pending, repeated=True)
    return Scope(None)
