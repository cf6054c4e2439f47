"""Names a person announces are replaced; words that only look like a lead are not."""

import pytest

from privacy.names import redact_names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("me llamo Ana y vivo en Colón", "me llamo [NAME] y vivo en Colón"),
        ("Hola, me llamo maría josé pérez gómez", "Hola, me llamo [NAME]"),
        ("My name is John Smith and I need help", "My name is [NAME] and I need help"),
        ("mi nombre es: Carlos.", "mi nombre es: [NAME]."),
        ("nombre: Luisa Fernanda", "nombre: [NAME]"),
    ],
)
def test_announced_names_are_replaced(text: str, expected: str) -> None:
    assert redact_names(text) == (expected, 1)


@pytest.mark.parametrize("text", ["Me llamo 123", "call me tomorrow", "¿cómo se llama la oficina?"])
def test_text_without_an_announced_name_is_kept(text: str) -> None:
    assert redact_names(text) == (text, 0)
