"""Which question a message answers (actions/question_scope.py): only the one asked last."""

import pytest

from actions.question_scope import (
    ELSEWHERE,
    EXPLICIT,
    QUESTIONS,
    Scope,
    confirms_erasure,
    is_question,
    scope,
)


def after(
    pending: str | None,
    intent: str,
    *,
    asked_last_turn: bool = True,
    repeated: bool = False,
    answers: str | None = None,
) -> Scope:
    return scope(
        pending=pending,
        asked_last_turn=asked_last_turn,
        repeated=repeated,
        intent=intent,
        answers=answers,
    )


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize("intent", ["affirm", "deny"])
def test_a_yes_or_no_right_after_the_question_answers_it(question: str, intent: str) -> None:
    assert after(question, intent) == Scope(question)


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_question_asked_turns_ago_is_not_answered_by_a_yes(question: str) -> None:
    """Five turns and two topics later, a "sí" to something else erases nothing."""
    assert after(question, "affirm", asked_last_turn=False) == Scope(None)


def test_nothing_pending_stays_nothing() -> None:
    assert after(None, "affirm") == Scope(None)
    assert after("not-a-question", "affirm") == Scope(None)


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_button_of_another_question_answers_nothing(question: str) -> None:
    """ "Sí, borrar" pressed late, while the consent question is pending, is not consent."""
    other = next(q for q in QUESTIONS if q != question)
    assert after(question, "affirm", answers=other) == Scope(None)
    assert after(question, "affirm", answers=question) == Scope(question)


@pytest.mark.parametrize("question", sorted(EXPLICIT))
@pytest.mark.parametrize("intent", ["ask_cost", "nlu_fallback", "out_of_scope", "thank"])
def test_consent_and_erasure_are_asked_again_once_on_anything_unclear(
    question: str, intent: str
) -> None:
    """ "y eso es gratis?" to the consent question is not consent: asked again, then dropped."""
    again = after(question, intent)
    assert again == Scope(question, repeated=True)
    assert after(question, intent, repeated=True) == Scope(None)
    # the answer after the second asking still counts
    assert after(question, "affirm", repeated=True) == Scope(question, repeated=True)


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize("intent", ["emergency", "ask_refuge", "inform_location", "help"])
def test_a_message_that_goes_elsewhere_drops_the_question(question: str, intent: str) -> None:
    assert intent in ELSEWHERE
    assert after(question, intent) == Scope(None)


def test_a_change_of_mind_to_erasure_drops_consent() -> None:
    """ "mejor borra mis datos" to the consent question: the erasure question is asked."""
    assert after("consent", "delete_my_data") == Scope(None)


@pytest.mark.parametrize("question", QUESTIONS)
def test_cancel_keeps_the_question_for_the_cancel_action_to_drop(question: str) -> None:
    assert after(question, "cancel") == Scope(question)


@pytest.mark.parametrize("intent", ["ask_cost", "thank", "nlu_fallback"])
def test_the_place_question_is_not_asked_again_it_just_lapses(intent: str) -> None:
    assert after("place", intent) == Scope(None)
    assert after("services", intent) == Scope(None)


def test_asking_for_erasure_when_asked_to_confirm_it_confirms() -> None:
    kept = scope(
        pending="erasure",
        asked_last_turn=True,
        repeated=False,
        intent="delete_my_data",
        answers=None,
    )
    assert kept.question == "erasure"
    # elsewhere it still drops a pending question (consent: the person wants erasure instead)
    dropped = scope(
        pending="consent",
        asked_last_turn=True,
        repeated=False,
        intent="delete_my_data",
        answers=None,
    )
    assert dropped.question is None


@pytest.mark.parametrize(
    ("message", "asks"),
    [
        ("y eso q significa? se borra lo del caso tambien?", True),
        ("¿se borra todo", True),
        ("y que pasa con mi caso", True),
        ("pero como se borra", True),
        ("what happens to my case", True),
        ("can you tell me first what you keep", True),
        ("si, borra todo", False),
        ("sí", False),
        ("borra mis datos", False),
        ("yes delete everything", False),
        ("dale", False),
        ("", False),
    ],
)
def test_a_message_that_asks_is_told_from_one_that_answers(message: str, asks: bool) -> None:
    assert is_question(message) is asks


@pytest.mark.parametrize(
    ("message", "confirms"),
    [
        ("si", True),
        ("sí, borra todo", True),
        ("si, estoy seguro", True),
        ("yes do it", True),
        ("yes please delete all my data now", True),
        ("ok dale, eliminen todo", True),
        ("Yes, show me places", False),  # a button of the services question, typed late
        ("si, y donde queda la oficina", False),
        ("y eso q significa? se borra lo del caso tambien?", False),
        ("pero se borra todo?", False),
        ("no don't delete anything", False),
        ("no borres nada", False),
        ("no, mejor no", False),
        ("never mind, don't erase", False),
    ],
)
def test_only_a_short_yes_or_one_about_erasing_confirms_the_erasure(
    message: str, confirms: bool
) -> None:
    assert confirms_erasure(message) is confirms
