"""The other needs of a long message (content/topic_cues.py)."""

from __future__ import annotations

import pytest

from content.cues import CuesError
from content.topic_cues import LONG_MESSAGE, load_topic_cues, other_needs, topics_in
from content.topics import TOPICS

LONG_EN = (
    "hello, sorry for the long message. my wife is pregnant and we have not seen a doctor yet, "
    "my visa expired two months ago, and the boss at the construction site has not paid me for "
    "three weeks. we are from venezuela and do not know where to start"
)


def test_every_topic_has_cues_and_the_file_names_no_other() -> None:
    assert [t for t, _ in load_topic_cues()] and {t for t, _ in load_topic_cues()} == set(TOPICS)


def test_a_long_message_gives_its_other_needs_most_urgent_first() -> None:
    assert len(LONG_EN) >= LONG_MESSAGE
    assert other_needs(LONG_EN, "regularization") == ["health", "employment"]
    assert other_needs(LONG_EN, None) == ["health", "regularization", "employment"]


def test_spanish_and_no_accents() -> None:
    text = (
        "buenas, mi esposa esta embarazada y no tenemos seguro, ademas se me vencio la visa y "
        "en el trabajo el jefe no me paga desde hace un mes, tambien mi hijo no tiene escuela "
        "y no se que hacer"
    )
    assert topics_in(text) == ["health", "regularization", "employment"]


def test_a_short_message_is_about_one_thing() -> None:
    assert other_needs("necesito un medico, tengo la visa vencida", "health") == []


def test_words_match_whole_words_only() -> None:
    # "pain" is in "Spain", "visa" in "visado": neither is a cue
    assert topics_in("i came from Spain with a visado") == []


def test_a_bad_file_is_refused(tmp_path: pytest.TempPathFactory) -> None:
    bad = tmp_path / "cues.yaml"  # type: ignore[operator]
    bad.write_text("topics:\n  weather: {es: [lluvia], en: [rain]}\n")
    with pytest.raises(CuesError, match="unknown topic 'weather'"):
        load_topic_cues.__wrapped__(bad)
