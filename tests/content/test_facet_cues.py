"""The words that make a message a follow-up on a facet (content/facet_cues.py)."""

from pathlib import Path

import pytest

from content.facet_cues import FacetCuesError, facet_in, load_cues
from content.topics import FACETS


@pytest.mark.parametrize(
    ("text", "facet"),
    [
        ("y que papeles me piden?", "requirements"),
        ("nos toca pagar las medicinas?", "cost"),
        ("y cuanto tarda en salir el carnet", "duration"),
        ("y si no tengo pasaporte? se me perdio en el camino", "no_papers"),
        ("what documents for the refugee thing", "requirements"),
        ("where can i file a complaint?", "where"),
        ("eso del capital semilla quienes pueden aplicar?", "who_can_apply"),
        ("Is it FREE?", "cost"),
        ("y dónde queda?", "where"),
    ],
)
def test_a_follow_up_names_its_facet(text: str, facet: str) -> None:
    assert facet_in(text) == facet


@pytest.mark.parametrize(
    "text", ["quiero pedir refugio", "como es el proceso de refugio", "hola", "", "🙏"]
)
def test_a_message_with_no_facet_words_names_none(text: str) -> None:
    assert facet_in(text) is None


def test_whole_words_only() -> None:
    """ "pagaron" is not "pagar", "freedom" is not "free"."""
    assert facet_in("me pagaron tarde") is None
    assert facet_in("freedom") is None


def test_every_facet_of_the_file_is_known_and_the_order_is_the_file_s() -> None:
    facets = [f for f, _ in load_cues()]
    assert set(facets) <= set(FACETS) and facets[0] == "no_papers"


def test_a_bad_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "cues.yaml"
    bad.write_text("facets:\n  price:\n    es: [x]\n    en: [y]\n", encoding="utf-8")
    with pytest.raises(FacetCuesError, match="unknown facet 'price'"):
        load_cues.__wrapped__(bad)
    bad.write_text("facets:\n  cost:\n    es: [x]\n", encoding="utf-8")
    with pytest.raises(FacetCuesError, match="needs 'es' and 'en'"):
        load_cues.__wrapped__(bad)
