"""The orientation content file: complete, within limits, sourced, and a broken one is refused."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from content.topics import (
    CONTENT_FILE,
    LANGUAGES,
    MAX_ANSWER_CHARS,
    SERVICE_TYPES,
    TOPICS,
    ContentFileError,
    UnknownContentError,
    get_topic_content,
    load_content,
)

EIGHT_TOPICS = {
    "regularization",
    "refuge",
    "work_permit",
    "employment",
    "health",
    "psychosocial",
    "voluntary_return",
    "discrimination",
}


# --- the real file ----------------------------------------------------------------------------


def test_every_topic_of_the_design_is_there_in_both_languages() -> None:
    content = load_content()
    assert set(TOPICS) == EIGHT_TOPICS
    assert set(content.entries) == {(t, lang) for t in EIGHT_TOPICS for lang in ("es", "en")}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("topic", TOPICS)
def test_each_answer_fits_a_phone_screen_and_says_where_it_comes_from(
    topic: str, language: str
) -> None:
    item = load_content().get(topic, language)
    assert (item.topic, item.language) == (topic, language)
    assert 0 < len(item.answer) <= MAX_ANSWER_CHARS
    assert isinstance(item.reviewed, date) and item.reviewed <= date.today()
    assert item.source.institution
    for source in item.sources:
        assert source.url is None or source.url.startswith("https://")
    assert item.service_types and set(item.service_types) <= SERVICE_TYPES


def test_spanish_and_english_cite_the_same_links_and_numbers() -> None:
    content = load_content()
    for topic in TOPICS:
        es, en = content.get(topic, "es"), content.get(topic, "en")
        assert [s.url for s in es.sources] == [s.url for s in en.sources]
        assert len(es.steps) == len(en.steps) and len(es.documents) == len(en.documents)


def test_answers_about_danger_give_911_in_both_languages() -> None:
    content = load_content()
    for topic in ("health", "psychosocial", "discrimination"):
        for language in LANGUAGES:
            assert "911" in content.get(topic, language).answer
    for language in LANGUAGES:
        assert "147" in content.get("psychosocial", language).answer


def test_spanish_speaks_to_the_person_as_tu() -> None:
    for topic in TOPICS:
        answer = load_content().get(topic, "es").answer.lower()
        assert " usted" not in answer and "vosotros" not in answer


def test_asking_for_a_topic_or_language_that_is_not_covered_names_it() -> None:
    with pytest.raises(UnknownContentError, match="'housing'"):
        get_topic_content("housing", "es")
    with pytest.raises(UnknownContentError, match="'fr'"):
        get_topic_content("health", "fr")


# --- broken copies of the real file are refused, with the problem named --------------------------


def _write_broken(tmp_path: Path, breaks: Callable[[dict[str, Any]], object]) -> Path:
    raw = yaml.safe_load(CONTENT_FILE.read_text(encoding="utf-8"))
    breaks(raw["topics"])
    path = tmp_path / "content.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _too_long(t: dict[str, Any]) -> None:
    t["health"]["en"]["answer"] = "x" * (MAX_ANSWER_CHARS + 1)


def _number_in_one_language(t: dict[str, Any]) -> None:
    t["psychosocial"]["en"]["answer"] = t["psychosocial"]["en"]["answer"].replace("147", "148")


def _one_step_short(t: dict[str, Any]) -> None:
    t["refuge"]["en"]["steps"] = t["refuge"]["en"]["steps"][:-1]


def _http_url(t: dict[str, Any]) -> None:
    t["health"]["es"]["source"]["url"] = "http://help.unhcr.org/panama"
    t["health"]["en"]["source"]["url"] = "http://help.unhcr.org/panama"


@pytest.mark.parametrize(
    ("breaks", "message"),
    [
        pytest.param(lambda t: t["health"].pop("en"), r"'health'.*no 'en' text", id="no-english"),
        pytest.param(lambda t: t.pop("refuge"), r"missing topic\(s\) refuge", id="no-topic"),
        pytest.param(_too_long, r"'health'.*'en'.*601 characters", id="answer-too-long"),
        pytest.param(
            lambda t: t["employment"]["es"].update(reviewed="yesterday"),
            r"'employment'.*'es'.*reviewed must be a date.*'yesterday'",
            id="reviewed-not-a-date",
        ),
        pytest.param(
            lambda t: t["employment"]["es"].update(reviewed="2026-13-01"),
            r"reviewed must be a date.*'2026-13-01'",
            id="reviewed-impossible-date",
        ),
        pytest.param(
            lambda t: t["health"].update(service_types=["health", "housing"]),
            r"'health'.*unknown service type 'housing'",
            id="unknown-service-type",
        ),
        pytest.param(_http_url, r"'health'.*url must be an https:// link", id="http-url"),
        pytest.param(
            lambda t: t["refuge"]["es"]["source"].pop("url"),
            r"'refuge'.*'es'.*url is missing",
            id="url-left-out",
        ),
        pytest.param(
            lambda t: t["refuge"]["es"].pop("source"),
            r"'refuge'.*'es'.*source is missing",
            id="no-source",
        ),
        pytest.param(
            lambda t: t["health"]["es"].update(anwser="hola"),
            r"'health'.*unknown field\(s\) anwser",
            id="misspelt-field",
        ),
        pytest.param(
            lambda t: t.update(housing=t["health"]),
            r"unknown topic\(s\) housing",
            id="unknown-topic",
        ),
        pytest.param(
            _number_in_one_language,
            r"'psychosocial'.*numbers differ.*only in es: \['147'\].*only in en: \['148'\]",
            id="number-changed-in-one-language",
        ),
        pytest.param(_one_step_short, r"'refuge'.*es has 3 steps and en has 2", id="steps-differ"),
    ],
)
def test_a_broken_file_is_refused_naming_the_problem(
    tmp_path: Path, breaks: Callable[[dict[str, Any]], object], message: str
) -> None:
    path = _write_broken(tmp_path, breaks)
    with pytest.raises(ContentFileError, match=message):
        load_content(path)


def test_a_file_that_is_not_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "content.yaml"
    path.write_text("topics: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentFileError, match="not valid YAML"):
        load_content(path)


# --- staff edits reach a running process ----------------------------------------------------------


def test_an_edit_is_picked_up_without_a_restart_and_a_broken_edit_is_not_hidden(
    tmp_path: Path,
) -> None:
    path = _write_broken(tmp_path, lambda t: None)
    before = get_topic_content("health", "en", path)

    def edit(breaks: Callable[[dict[str, Any]], object], seconds_later: int) -> None:
        _write_broken(tmp_path, breaks)
        stamp = os.stat(path).st_mtime_ns + seconds_later * 1_000_000_000
        os.utime(path, ns=(stamp, stamp))

    def reword(t: dict[str, Any]) -> None:
        t["health"]["es"]["answer"] = (
            "Cualquier persona puede usar los servicios de salud. Llama al 911."
        )
        t["health"]["en"]["answer"] = "Anyone can use health services. Call 911."

    edit(reword, 1)
    after = get_topic_content("health", "en", path)
    assert before.answer != after.answer == "Anyone can use health services. Call 911."

    edit(lambda t: t["health"].pop("es"), 2)
    with pytest.raises(ContentFileError, match="no 'es' text"):
        get_topic_content("health", "en", path)
