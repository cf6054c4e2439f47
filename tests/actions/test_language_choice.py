import pytest

from actions.language_choice import conversation_language, requested_language


@pytest.mark.parametrize(
    ("text", "current", "expected"),
    [
        ("english please", "es", "en"),
        ("hablame en ingles porfa", "es", "en"),
        ("en español por favor", "en", "es"),
        ("can u speak spanish", "en", "es"),
        ("no hablo español", "es", "en"),
        ("i dont speak spanish", "es", "en"),
        ("I don't understand english", "en", "es"),
        ("otro idioma", "es", "en"),
        ("other language pls", "en", "es"),
        ("cambia el idioma", None, "en"),
        ("no, en ingles porfa", "es", "en"),
        ("No. English!", "es", "en"),
    ],
)
def test_requested_language(text: str, current: str | None, expected: str) -> None:
    assert requested_language(text, current) == expected


def test_a_clear_message_sets_the_language() -> None:
    assert (
        conversation_language(
            intent="ask_health",
            text="where is a doctor",
            detected="en",
            ambiguous=False,
            current="es",
        )
        == "en"
    )


def test_an_ambiguous_message_keeps_it() -> None:
    assert (
        conversation_language(
            intent="affirm", text="ok", detected="es", ambiguous=True, current="en"
        )
        is None
    )


def test_an_explicit_request_wins_over_detection() -> None:
    assert (
        conversation_language(
            intent="change_language",
            text="quiero ingles",
            detected="es",
            ambiguous=False,
            current="es",
        )
        == "en"
    )


def test_an_unsupported_detection_is_ignored() -> None:
    assert (
        conversation_language(
            intent="greet", text="bonjour", detected="fr", ambiguous=False, current="es"
        )
        is None
    )


def test_a_message_only_probably_in_the_other_language_does_not_switch() -> None:
    assert (
        conversation_language(
            intent="inform_location",
            text="bella vista mall area",
            detected="en",
            ambiguous=False,
            current="es",
            confidence=0.78,
        )
        is None
    )


def test_a_sure_message_in_the_other_language_switches() -> None:
    assert (
        conversation_language(
            intent="greet", text="hi", detected="en", ambiguous=False, current="es", confidence=0.95
        )
        == "en"
    )


def test_a_first_message_needs_only_to_be_unambiguous() -> None:
    assert (
        conversation_language(
            intent="ask_health",
            text="clinic near albrook",
            detected="en",
            ambiguous=False,
            current=None,
            confidence=0.78,
        )
        == "en"
    )
