"""Staff edits of a topic (the console's /content): checked by the loader, written whole, the
bot's next answer; a topic unreviewed for 180 days is due."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pytest

from content import editing, topics
from content.topics import ContentFileError, Source


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    path = tmp_path / "content.yaml"
    shutil.copy(topics.CONTENT_FILE, path)
    return path


def test_an_edit_is_the_next_answer_and_the_rest_of_the_file_stays(copy: Path) -> None:
    before = copy.read_text(encoding="utf-8")
    assert topics.get_topic_content("health", "en", copy).answer.startswith("In Panama")
    texts = editing.read_topic("health", copy)
    texts["es"] = dataclasses.replace(texts["es"], answer="Ve al centro de salud. Llama al 911.")
    texts["en"] = dataclasses.replace(texts["en"], answer="Go to a health centre. Call 911.")
    editing.save_topic("health", texts, copy)
    assert (
        topics.get_topic_content("health", "en", copy).answer == "Go to a health centre. Call 911."
    )
    after = copy.read_text(encoding="utf-8")
    assert after.splitlines()[:20] == before.splitlines()[:20]  # the comments stay
    assert topics.load_content(copy).get("refuge", "es") == topics.load_content().get(
        "refuge", "es"
    )


@pytest.mark.parametrize(
    ("language", "change", "message"),
    [
        ("es", {"answer": "x" * 601}, "601 characters"),
        ("en", {"answer": "Call 912."}, "numbers differ"),
        ("en", {"sources": (Source("MINSA", "http://minsa.gob.pa"),)}, "https:// link"),
        ("es", {"steps": ("Uno",)}, "steps"),
        ("en", {"reviewed": dt.date(2026, 1, 1)}, "same reviewed date"),
        ("es", {"sources": ()}, "source is missing"),
    ],
)
def test_a_bad_edit_is_refused_with_where_and_why_and_nothing_is_written(
    copy: Path, language: str, change: dict[str, object], message: str
) -> None:
    before = copy.read_text(encoding="utf-8")
    texts = editing.read_topic("health", copy)
    texts[language] = dataclasses.replace(texts[language], **change)  # type: ignore[arg-type]
    with pytest.raises(ContentFileError, match=message):
        editing.save_topic("health", texts, copy)
    assert copy.read_text(encoding="utf-8") == before
    assert [p.name for p in copy.parent.iterdir()] == ["content.yaml"]


def test_a_topic_past_180_days_is_due(copy: Path) -> None:
    reviewed = topics.load_content(copy).get("health", "es").reviewed
    on_time = editing.review_status(reviewed + dt.timedelta(days=180), copy)
    assert not any(row.due for row in on_time if row.topic == "health")
    late = editing.review_status(reviewed + dt.timedelta(days=181), copy)
    assert next(row for row in late if row.topic == "health").due


def test_sources_as_staff_type_them() -> None:
    typed = ["MINSA | https://www.minsa.gob.pa", "", "ONPAR"]
    sources = editing.parse_sources(typed)
    assert sources == (Source("MINSA", "https://www.minsa.gob.pa"), Source("ONPAR", None))
    assert editing.source_lines(sources) == "MINSA | https://www.minsa.gob.pa\nONPAR"


def test_the_bot_reads_the_file_content_file_names(
    copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTENT_FILE", str(copy))
    texts = editing.read_topic("health")
    texts["es"] = dataclasses.replace(texts["es"], answer="Texto nuevo, 911.")
    texts["en"] = dataclasses.replace(texts["en"], answer="New text, 911.")
    editing.save_topic("health", texts)
    assert topics.get_topic_content("health", "es").answer == "Texto nuevo, 911."
    assert (
        topics.get_topic_content("health", "es", topics.CONTENT_FILE).answer != "Texto nuevo, 911."
    )
