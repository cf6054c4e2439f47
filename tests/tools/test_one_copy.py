"""The NLU's copy of accent folding and place cues is the application's, word for word.

`nlu/components` runs inside Rasa's environment and imports nothing of the application, so it
keeps its own `fold` (`nlu/components/text.py`) and `PLACE_CUES`
(`nlu/components/place_matcher.py`). The application's one copy is the top-level `text`
package. If the two drift, the NLU finds a place the directory then cannot resolve, or the other
way round; these tests fail first.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import text
from nlu.components import place_matcher as nlu_place_matcher
from nlu.components import text as nlu_text
from nlu.components.place_matcher import PlaceMatcher
from referral_directory.places import load_places

ROOT = Path(__file__).resolve().parents[2]

#: accents, ñ, º, dots, emoji, upper case, and the symbols NFKD changes or keeps
TRICKY = [
    "Las Mañanitas",
    "LAS MAÑANITAS",
    "las mananitas",
    "Bº Colón",
    "B° Colón",  # a degree sign, not an ordinal: NFKD keeps it
    "Nº 5, 1ª calle",
    "b. balboa",
    "B.BALBOA...",
    "Amelia Denis de Icaza 🙏🏽",
    "📍 Río Abajo ‼️",
    "¿Dónde queda Herrera?",
    "ÁÉÍÓÚÜÑ áéíóúüñ",
    "Curundú",
    "Ancón",
    "straße Ørsted Łódź",  # letters that do not decompose
    "ﬁnca ½ m²",  # ligature, fraction and superscript: NFKD rewrites them
    "e\u0301",  # an e and a combining accent, already decomposed
    "İstanbul",  # upper case that lower-cases to two characters
    "I’m near, 24 de Diciembre",
    "  spaces\tand\nlines  ",
    "",
]


@pytest.mark.parametrize("written", TRICKY)
def test_the_application_and_the_nlu_fold_alike(written: str) -> None:
    assert text.fold(written) == nlu_text.fold(written)


def test_folding_does_what_both_sides_rely_on() -> None:
    assert text.fold("Las MAÑANITAS") == "las mananitas"
    assert text.fold("Bº Colón") == "bo colon"
    assert text.fold("📍 Río") == "📍 rio"


def test_the_place_cue_words_are_the_same_set() -> None:
    assert text.PLACE_CUES == nlu_place_matcher.PLACE_CUES


def test_no_other_module_folds_accents_on_its_own() -> None:
    """`unicodedata` is used only by the two copies: a fifth fold would drift unseen."""
    folding = {
        path.relative_to(ROOT).as_posix()
        for folder in ("actions", "bot", "casework", "content", "privacy", "referral_directory")
        + ("store", "text", "tools", "nlu")
        for path in (ROOT / folder).rglob("*.py")
        if any(
            isinstance(node, ast.Import | ast.ImportFrom)
            and "unicodedata"
            in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module])
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    }
    assert folding == {"text/__init__.py", "nlu/components/text.py"}


@pytest.mark.parametrize("cue", sorted(nlu_place_matcher.PLACE_CUES))
def test_after_every_nlu_cue_word_the_application_finds_the_place_too(cue: str) -> None:
    """The NLU takes "Hurtado" (also an everyday word) for a place only after a cue; the
    application, given the same words, keeps the name for its search."""
    matcher = PlaceMatcher({"Hurtado": "Hurtado"}, frozenset({"Hurtado"}))
    assert matcher.find(f"me robaron, {cue} hurtado")  # the NLU: a place after the cue
    assert not matcher.find("me han hurtado el celular")  # and not without one
    expected = "hurtado" if cue not in text.AREA_NOUNS or cue in text.LEVEL_WORDS else None
    assert text.strip_place_cue(f"{cue} hurtado") == (expected or f"{cue} hurtado")


@pytest.mark.parametrize(
    ("typed", "place"),
    [
        ("vivo en villa lucre", "villa lucre"),
        ("Vivo en Herrera.", "Herrera."),
        ("yo vivo en Las Mañanitas", "Las Mañanitas"),
        ("estoy por el coco", "el coco"),
        ("resido en barrio colon", "barrio colon"),
        ("me quedo en san miguelito", "san miguelito"),
        ("I live in Omar Torijos", "Omar Torijos"),
        ("I’m near B. Balboa", "B. Balboa"),
        ("im at juan diaz", "juan diaz"),
        ("cerca de la chorrera", "la chorrera"),
        ("desde Villa Lucre", "Villa Lucre"),
        ("en el corregimiento de Herrera", "Herrera"),
        ("the district of La Chorrera", "La Chorrera"),
        ("in the province of Panamá Oeste", "Panamá Oeste"),
        # what is not a cue stays: articles of names, nouns that start names, other words
        ("la chorrera", "la chorrera"),
        ("Sector 4", "Sector 4"),
        ("zona libre", "zona libre"),
        ("me ayudas en herrera", "me ayudas en herrera"),
        # nothing but cue words: kept whole
        ("en", "en"),
        ("vivo en", "vivo en"),
    ],
)
def test_the_cue_is_stripped_and_the_name_kept_as_written(typed: str, place: str) -> None:
    assert text.strip_place_cue(typed) == place


def test_no_place_name_or_alias_loses_a_word_to_the_cue_stripper() -> None:
    """Only a level can go ("provincia de panama" is Panamá); the directory looks the whole
    text up first in any case."""
    places = load_places()
    areas = (*places.corregimientos, *places.distritos, *places.provincias)
    written = [(form, area.name) for area in areas for form in (area.name, *area.aliases)]
    stripped = [(form, name, text.strip_place_cue(form)) for form, name in written]
    changed = [(f, s) for f, name, s in stripped if s != f and text.fold(s) != text.fold(name)]
    assert len(written) > 100 and changed == []
