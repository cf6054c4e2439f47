"""The conversation evaluator's judging, on replies written here (the stack plays the rest)."""

from __future__ import annotations

import yaml

from tools import conversation_eval as ce


def test_the_language_of_a_reply_is_read_from_its_function_words() -> None:
    assert (
        ce.reply_language(["¿En qué corregimiento estás? Así te digo qué servicios hay."]) == "es"
    )
    assert ce.reply_language(["If you are in danger now, call 911 (free, 24 hours)."]) == "en"
    assert ce.reply_language(["911"]) is None  # nothing to judge by


def test_a_turn_is_done_only_when_every_expectation_holds() -> None:
    turn = ce.Turn("es-01", 0, "hola", {"language": "es", "max_chars": 10})
    turn.replies = ["Hola, ¿en qué te ayudo hoy?"]
    turn.results = {"language": True, "max_chars": turn.chars <= 10}
    assert not turn.done and turn.chars == len(turn.replies[0])
    summary = ce.report([turn])
    assert summary["turns_done"] == 0 and summary["done_rate"] == 0
    assert summary["by_expectation"]["max_chars"] == {"met": 0, "of": 1}
    assert "es-01" in ce.markdown(summary, [turn])  # a failed turn is listed


def test_the_judge_knows_the_domain_responses_paragraph_by_paragraph() -> None:
    judge = ce.Judge()
    emergency = judge.responses["utter_emergency"][0]
    assert judge.said([emergency], "utter_emergency")
    assert not judge.said(["Hola"], "utter_emergency")


def test_every_written_expectation_is_one_the_evaluator_judges() -> None:
    known = {
        "language", "answers_topic", "answers_facet", "asks_place", "services_for",
        "emergency_numbers", "hotline", "no_emergency", "asks_consent", "handoff",
        "asks_erasure_confirmation", "erased", "not_menu", "max_chars",
    }  # fmt: skip
    files = ce.conversation_files()
    assert [p.name for p in files] == ["en.yml", "es.yml"]
    for path in files:
        for conversation in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]:
            for turn in conversation["turns"]:
                assert set(turn.get("expect") or {}) <= known, (conversation["id"], turn)
