"""`needs.types_for`: the service types a message asks for plainly (food, shelter, clothes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from referral_directory.models import SERVICE_TYPES
from referral_directory.needs import (
    NEEDS_FILE,
    NeedsFileError,
    load_needs,
    needs_in,
    types_for,
    words,
)


@pytest.mark.parametrize(
    ("text", "types"),
    [
        # the examples
        ("donde dan comida", ["food"]),
        ("necesito un albergue", ["shelter"]),
        ("where can I get food", ["food"]),
        ("ropa para mis hijos", ["food"]),  # clothing: no type of its own, searched as food
        # as people type them: accents, capitals, punctuation, misspellings
        ("¿Dónde dan COMIDA?", ["food"]),
        ("Necesito un alberge para esta noche", ["shelter"]),
        ("tengo hambre", ["food"]),
        ("no tenemos donde dormir", ["shelter"]),
        ("estamos durmiendo en la calle con los niños", ["shelter"]),
        ("Is there a soup kitchen in Herrera?", ["food"]),
        ("I need a place to sleep and something to eat", ["food", "shelter"]),
        ("we are homeless", ["shelter"]),
        ("need warm clothes and shoes for my kids", ["food"]),
        ("comida y ropa", ["food"]),
        ("busco un albergue y comida", ["food", "shelter"]),
        # not a basic need
        ("", []),
        ("hola", []),
        ("quiero pedir refugio", []),  # asylum, a topic of its own
        ("solicitud de asilo", []),
        ("no puedo dormir", []),  # sleeplessness: health or stress
        ("I can't sleep at night", []),
        ("no puedo comer nada, me duele el estómago", []),
        ("que servicios hay en Herrera", []),
        ("my shoelace", []),  # whole words only
    ],
)
def test_types_for(text: str, types: list[str]) -> None:
    assert types_for(text) == types


def test_clothing_is_a_need_of_its_own_searched_as_food() -> None:
    assert "clothing" not in SERVICE_TYPES
    assert needs_in("ropa para mis hijos") == ["clothing"]
    assert types_for("ropa para mis hijos") == ["food"]


def test_the_file_has_words_in_both_languages_for_existing_types() -> None:
    needs = load_needs(NEEDS_FILE)
    assert [n.name for n in needs] == ["food", "shelter", "clothing"]
    assert {n.service_type for n in needs} == {"food", "shelter"} <= set(SERVICE_TYPES)
    for need in needs:
        for phrase in need.phrases:
            # every word or phrase of the file finds its own need, folded as people type it
            assert types_for(" ".join(phrase).upper() + "?") == [need.service_type], phrase
            assert phrase == words(" ".join(phrase))


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "needs.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("needs: {}\n", "no `needs`"),
        ("needs:\n  food: {type: food, es: [comida]}\n", "exactly"),
        ("needs:\n  food: {type: snacks, es: [comida], en: [food]}\n", "not a service type"),
        ("needs:\n  food: {type: food, es: [], en: [food]}\n", "no es words"),
        ("needs:\n  food: {type: food, es: ['¿?'], en: [food]}\n", "no word"),
        (
            "needs:\n  food: {type: food, es: [comida], en: [food]}\n"
            "  shelter: {type: shelter, es: [Comida], en: [shelter]}\n",
            "also a word of 'food'",
        ),
    ],
)
def test_a_bad_file_is_refused(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(NeedsFileError, match=problem):
        load_needs(_file(tmp_path, text))


def test_another_file_can_be_given(tmp_path: Path) -> None:
    needs = load_needs(
        _file(tmp_path, "needs:\n  school: {type: education, es: [escuela], en: [school]}\n")
    )
    assert types_for("¿Hay escuela para mi hija?", needs) == ["education"]
    assert types_for("donde dan comida", needs) == []
