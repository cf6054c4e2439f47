"""The follow-up answers (facets): complete, sourced, honest when unknown, and a broken one is
refused naming the topic, the facet and the language."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from content.contacts import iom_contact
from content.topics import (
    CONTENT_FILE,
    FACETS,
    LANGUAGES,
    MAX_FACET_CHARS,
    TOPICS,
    ContentFileError,
    FacetContent,
    UnknownContentError,
    get_facet,
    load_content,
)

ROOT = Path(__file__).resolve().parents[2]
#: the sourced files the content was written from (copies of ../shared/directory/)
SOURCE_FILES = (
    ROOT / "referral_directory" / "data" / "seed" / "services.yaml",
    ROOT / "content" / "data" / "emergency_numbers.yaml",
)
SIX_FACETS = ("cost", "requirements", "duration", "where", "who_can_apply", "no_papers")


def _all_facets() -> list[FacetContent]:
    content = load_content()
    return [content.facet(t, f, lang) for t in TOPICS for f in FACETS for lang in LANGUAGES]


# --- the real file ----------------------------------------------------------------------------


def test_every_topic_has_the_six_facets_in_both_languages() -> None:
    assert FACETS == SIX_FACETS
    content = load_content()
    assert set(content.facets) == {
        (t, f, lang) for t in TOPICS for f in SIX_FACETS for lang in ("es", "en")
    }


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("facet", FACETS)
@pytest.mark.parametrize("topic", TOPICS)
def test_each_facet_is_short_sourced_and_dated_like_its_topic(
    topic: str, facet: str, language: str
) -> None:
    item = get_facet(topic, facet, language)
    assert (item.topic, item.facet, item.language) == (topic, facet, language)
    assert 0 < len(item.text) <= MAX_FACET_CHARS
    assert "\n" not in item.text
    assert isinstance(item.known, bool)
    assert item.reviewed == load_content().get(topic, language).reviewed
    assert item.sources[0] == item.source and item.source.institution
    for source in item.sources:
        assert source.url is None or source.url.startswith("https://")


def test_spanish_and_english_agree_on_known_and_links() -> None:
    content = load_content()
    for topic in TOPICS:
        for facet in FACETS:
            es, en = content.facet(topic, facet, "es"), content.facet(topic, facet, "en")
            assert es.known == en.known, (topic, facet)
            assert [s.url for s in es.sources] == [s.url for s in en.sources], (topic, facet)


def test_every_facet_link_was_read_in_the_sources() -> None:
    """A link is one the directory's sourced files give, never one made up."""
    sourced = " ".join(path.read_text(encoding="utf-8") for path in SOURCE_FILES)
    for item in _all_facets():
        for source in item.sources:
            if source.url is not None:
                assert source.url in sourced, (item.topic, item.facet, source.url)


def test_an_unknown_answer_says_who_can_tell_and_guesses_no_fee() -> None:
    iom = iom_contact()
    unknown = [item for item in _all_facets() if not item.known]
    assert unknown  # the sources leave questions open: the file must say so
    for item in unknown:
        where = (item.topic, item.facet, item.language)
        assert iom.phone in item.text and iom.email in item.text, where
    for item in _all_facets():
        if item.facet == "cost":
            # no amount of money anywhere: the only sourced fee was for a permit whose status
            # is not confirmed, and fee amounts for health care are unverified
            assert not re.search(r"B/\.|\$|USD|balboa|dólar|dollar", item.text), item.topic


@pytest.mark.parametrize(
    ("topic", "facet"),
    [
        ("regularization", "cost"),
        ("regularization", "duration"),
        ("work_permit", "cost"),
        ("work_permit", "duration"),
        ("voluntary_return", "cost"),
    ],
)
def test_what_no_source_says_is_marked_unknown(topic: str, facet: str) -> None:
    for language in LANGUAGES:
        assert get_facet(topic, facet, language).known is False


_LAWYER_OR_APOSTILLE = re.compile(r"abogad|lawyer|apostill", re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:no|ni|sin|not|nor|without)\b", re.IGNORECASE)
#: how the regularization texts state the SNM's requirements
_REQUIRED_AS = re.compile(
    r"por medio de un abogado|mediante (?:un )?abogado|through a lawyer|"
    r"autenticados o apostillados|authenticated or apostilled|"
    r"necesitas (?:un )?abogado|need (?:a )?lawyer",
    re.IGNORECASE,
)


def _lawyer_or_apostille_as_required(text: str) -> list[str]:
    """Sentences that make a lawyer or an apostille a requirement.

    A sentence may name them only to say they are the SNM's, for residence, and not asked for
    here: it must then name the SNM and carry a negation.
    """
    return [
        sentence
        for sentence in re.split(r"(?<=[.!?])\s+", text)
        if _LAWYER_OR_APOSTILLE.search(sentence)
        and (
            _REQUIRED_AS.search(sentence) or "SNM" not in sentence or not _NEGATION.search(sentence)
        )
    ]


def test_the_check_for_a_required_lawyer_catches_the_regularization_requirements() -> None:
    for language in LANGUAGES:
        assert _lawyer_or_apostille_as_required(
            get_facet("regularization", "requirements", language).text
        )
    assert not _lawyer_or_apostille_as_required(
        "El abogado y los documentos apostillados que pide el SNM son para la residencia; "
        "la ONPAR no los menciona para pedir refugio."
    )
    assert _lawyer_or_apostille_as_required("Para el refugio necesitas un abogado.")
    assert _lawyer_or_apostille_as_required("Lleva tus documentos apostillados a la ONPAR.")


@pytest.mark.parametrize("language", LANGUAGES)
def test_refuge_never_asks_for_a_lawyer_or_an_apostille(language: str) -> None:
    for facet in FACETS:
        text = get_facet("refuge", facet, language).text
        assert _lawyer_or_apostille_as_required(text) == [], facet


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("facet", ["requirements", "no_papers"])
def test_refuge_documents_say_free_verbal_and_the_6_month_deadline(
    facet: str, language: str
) -> None:
    text = get_facet("refuge", facet, language).text.lower()
    free, verbal, deadline = {
        "es": (r"gratis|gratuit", r"verbal", r"6 meses"),
        "en": (r"free", r"verbally", r"6 months"),
    }[language]
    assert re.search(free, text) and re.search(verbal, text) and re.search(deadline, text)
    assert "onpar" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_health_without_papers_is_care_whatever_the_migration_status(language: str) -> None:
    item = get_facet("health", "no_papers", language)
    assert item.known is True
    assert "art. 105" in item.text and "911" in item.text
    status = {"es": "sin importar su estatus migratorio", "en": "whatever their migration status"}
    assert status[language] in item.text
    assert item.source.url == "https://help.unhcr.org/panama/vivir-en-panama/salud-en-panama"


def test_spanish_facets_speak_to_the_person_as_tu() -> None:
    for item in _all_facets():
        if item.language == "es":
            text = f" {item.text.lower()}"
            for word in (" usted", "vosotros", " podés", " tenés", " querés", " sabés"):
                assert word not in text, (item.topic, item.facet, word)


def test_asking_for_a_facet_that_is_not_covered_names_it() -> None:
    with pytest.raises(UnknownContentError, match=r"unknown facet 'price'"):
        get_facet("health", "price", "es")
    with pytest.raises(UnknownContentError, match=r"unknown topic 'housing'"):
        get_facet("housing", "cost", "es")
    with pytest.raises(UnknownContentError, match=r"unknown language 'fr'"):
        get_facet("health", "cost", "fr")


# --- broken copies of the real file are refused, naming topic, facet and language ---------------


def _write_broken(tmp_path: Path, breaks: Callable[[dict[str, Any]], object]) -> Path:
    raw = yaml.safe_load(CONTENT_FILE.read_text(encoding="utf-8"))
    breaks(raw["topics"])
    path = tmp_path / "content.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _facet(t: dict[str, Any], topic: str, language: str, facet: str) -> dict[str, Any]:
    value: dict[str, Any] = t[topic][language]["facets"][facet]
    return value


def _too_long(t: dict[str, Any]) -> None:
    _facet(t, "health", "en", "cost")["text"] = "x" * (MAX_FACET_CHARS + 1)


def _number_in_one_language(t: dict[str, Any]) -> None:
    item = _facet(t, "psychosocial", "en", "cost")
    item["text"] = item["text"].replace("6534-2546", "6534-2547")


def _http_url(t: dict[str, Any]) -> None:
    for language in LANGUAGES:
        _facet(t, "health", language, "cost")["source"]["url"] = "http://help.unhcr.org/panama"


def _http_also_source(t: dict[str, Any]) -> None:
    for language in LANGUAGES:
        _facet(t, "refuge", language, "where")["also_sources"][1]["url"] = (
            "http://www.acnur.org/es-es/pais/panama"
        )


def _links_differ(t: dict[str, Any]) -> None:
    _facet(t, "work_permit", "en", "where")["source"]["url"] = "https://panama.iom.int"


@pytest.mark.parametrize(
    ("breaks", "message"),
    [
        pytest.param(
            _too_long,
            r"topic 'health', language 'en', facet 'cost': text is 451 characters",
            id="too-long",
        ),
        pytest.param(
            lambda t: t["refuge"]["en"]["facets"].pop("no_papers"),
            r"topic 'refuge', language 'en': missing facet\(s\) no_papers",
            id="facet-missing",
        ),
        pytest.param(
            lambda t: t["health"]["es"].pop("facets"),
            r"topic 'health', language 'es': facets is missing",
            id="no-facets",
        ),
        pytest.param(
            lambda t: t["employment"]["es"]["facets"].update(price={"text": "x"}),
            r"topic 'employment', language 'es': unknown facet\(s\) price",
            id="unknown-facet",
        ),
        pytest.param(
            _number_in_one_language,
            r"topic 'psychosocial', facet 'cost': es and en must say the same things, but the "
            r"numbers differ: only in es: \['2546'\], only in en: \['2547'\]",
            id="number-in-one-language",
        ),
        pytest.param(
            _http_url,
            r"topic 'health', language 'es', facet 'cost', source: url must be an https:// link",
            id="http-url",
        ),
        pytest.param(
            _http_also_source,
            r"topic 'refuge', language 'es', facet 'where', also_sources\[1\]: "
            r"url must be an https:// link",
            id="http-also-source",
        ),
        pytest.param(
            lambda t: _facet(t, "discrimination", "en", "where").pop("text"),
            r"topic 'discrimination', language 'en', facet 'where': text is missing",
            id="no-text",
        ),
        pytest.param(
            lambda t: _facet(t, "refuge", "es", "cost").update(known="yes"),
            r"topic 'refuge', language 'es', facet 'cost': known must be true or false, "
            r"got 'yes'",
            id="known-not-a-boolean",
        ),
        pytest.param(
            lambda t: _facet(t, "refuge", "es", "cost").pop("known"),
            r"topic 'refuge', language 'es', facet 'cost': known must be true or false, got None",
            id="known-missing",
        ),
        pytest.param(
            lambda t: _facet(t, "work_permit", "en", "cost").update(known=True),
            r"topic 'work_permit', facet 'cost': es and en must agree on known",
            id="known-differs",
        ),
        pytest.param(
            lambda t: _facet(t, "voluntary_return", "es", "where").pop("source"),
            r"topic 'voluntary_return', language 'es', facet 'where': source is missing",
            id="no-source",
        ),
        pytest.param(
            lambda t: _facet(t, "health", "es", "where").update(txt="hola"),
            r"topic 'health', language 'es', facet 'where': unknown field\(s\) txt",
            id="misspelt-field",
        ),
        pytest.param(
            _links_differ,
            r"topic 'work_permit', facet 'where': es and en must cite the same source links",
            id="links-differ",
        ),
    ],
)
def test_a_broken_facet_is_refused_naming_topic_facet_and_language(
    tmp_path: Path, breaks: Callable[[dict[str, Any]], object], message: str
) -> None:
    path = _write_broken(tmp_path, breaks)
    with pytest.raises(ContentFileError, match=message):
        load_content(path)


def test_a_facet_edit_is_picked_up_without_a_restart(tmp_path: Path) -> None:
    path = _write_broken(tmp_path, lambda t: None)
    before = get_facet("health", "cost", "en", path)

    def reword(t: dict[str, Any]) -> None:
        _facet(t, "health", "es", "cost")["text"] = "La Línea 147 es gratuita."
        _facet(t, "health", "en", "cost")["text"] = "Line 147 is free."

    _write_broken(tmp_path, reword)
    stamp = os.stat(path).st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(stamp, stamp))
    after = get_facet("health", "cost", "en", path)
    assert before.text != after.text == "Line 147 is free."
