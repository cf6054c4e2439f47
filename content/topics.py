"""Orientation answers per topic and language, read from a file that staff edit.

The words a migrant reads live in `data/content.yaml`, not in Python or in the model's domain,
so that programme staff can correct a fact, a link or a review date (later from the console)
without a release and without retraining the model. Because people edit that file by hand, it is
checked as a whole every time it is read: a bad file is refused with a message naming the topic,
the language and the field, rather than letting the bot show a wrong, unsourced, too long or
half-translated answer to someone who may act on it.

After an answer people ask the same follow-ups ("is it free?", "what documents?", "how long?",
"where exactly?", "who can apply?", "and without papers?"). Each topic and language answers them
as six `facets`, checked the same way, and each says whether a source really answers it
(`known`): where none does, the text says so and names who can tell, instead of a guessed fee or
time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from referral_directory import models

CONTENT_FILE = Path(__file__).parent / "data" / "content.yaml"
#: names another content file (a deployment's own, a test's copy); read at each call
CONTENT_FILE_VARIABLE = "CONTENT_FILE"

TOPICS = (
    "regularization",
    "refuge",
    "work_permit",
    "employment",
    "health",
    "psychosocial",
    "voluntary_return",
    "discrimination",
)
LANGUAGES = ("es", "en")
#: the directory's taxonomy (DESIGN.md), one list for the schema and the content
SERVICE_TYPES = frozenset(models.SERVICE_TYPES)
MAX_ANSWER_CHARS = 600
#: the follow-up questions every topic answers in every language
FACETS = ("cost", "requirements", "duration", "where", "who_can_apply", "no_papers")
#: a follow-up answer is shorter than the topic's answer: it comes after it
MAX_FACET_CHARS = 450

_TOPIC_KEYS = frozenset({"service_types", *LANGUAGES})
_TEXT_KEYS = frozenset(
    {"answer", "steps", "documents", "source", "also_sources", "reviewed", "facets"}
)
_FACET_KEYS = frozenset({"text", "source", "also_sources", "known"})
_SOURCE_KEYS = frozenset({"institution", "url"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"\d+")


class ContentFileError(ValueError):
    """The content file cannot be trusted; the message says where and why."""


class UnknownContentError(LookupError):
    """A caller asked for a topic, facet or language the content does not cover."""


@dataclass(frozen=True)
class Source:
    """Where an answer comes from; shown with it so the person can check and trust it."""

    institution: str
    url: str | None


@dataclass(frozen=True)
class TopicContent:
    """One topic in one language, ready to send."""

    topic: str
    language: str
    answer: str
    steps: tuple[str, ...]
    documents: tuple[str, ...]
    source: Source
    also_sources: tuple[Source, ...]
    reviewed: date
    service_types: tuple[str, ...]

    @property
    def sources(self) -> tuple[Source, ...]:
        """All sources, main one first: an answer built from several pages must name them all."""
        return (self.source, *self.also_sources)


@dataclass(frozen=True)
class FacetContent:
    """The answer to one follow-up question (a facet) on one topic, in one language.

    `known` is False when no source answers the question: the text then says so and names who
    can tell, and a caller may offer a person to talk to rather than present it as an answer.
    """

    topic: str
    facet: str
    language: str
    text: str
    known: bool
    source: Source
    also_sources: tuple[Source, ...]
    #: the topic's reviewed date: facets are checked with the answer they follow
    reviewed: date

    @property
    def sources(self) -> tuple[Source, ...]:
        """All sources, main one first."""
        return (self.source, *self.also_sources)


@dataclass(frozen=True)
class Content:
    entries: Mapping[tuple[str, str], TopicContent]
    #: (topic, facet, language) -> the follow-up answer
    facets: Mapping[tuple[str, str, str], FacetContent] = MappingProxyType({})

    def get(self, topic: str, language: str) -> TopicContent:
        """Fail loudly on a topic or language the file does not cover.

        A silent fallback (say, to Spanish) would answer an English speaker in a language they
        may not read; the caller decides what to do instead.
        """
        try:
            return self.entries[(topic, language)]
        except KeyError:
            raise UnknownContentError(
                f"no orientation content for topic {topic!r} in language {language!r}; "
                f"topics: {', '.join(TOPICS)}; languages: {', '.join(LANGUAGES)}"
            ) from None

    def facet(self, topic: str, facet: str, language: str) -> FacetContent:
        """One follow-up answer; an unknown topic, facet or language is named, not guessed."""
        try:
            return self.facets[(topic, facet, language)]
        except KeyError:
            unknown = [
                f"{kind} {value!r}"
                for kind, value, known in (
                    ("topic", topic, TOPICS),
                    ("facet", facet, FACETS),
                    ("language", language, LANGUAGES),
                )
                if value not in known
            ]
            raise UnknownContentError(
                f"no follow-up content for topic {topic!r}, facet {facet!r}, language "
                f"{language!r} (unknown {', '.join(unknown) or 'entry'}); "
                f"facets: {', '.join(FACETS)}"
            ) from None


def load_content(path: Path = CONTENT_FILE) -> Content:
    """Read and check the whole file, so that one bad entry stops it all.

    Half a file (one topic missing, one language stale) is worse than none: the error surfaces
    when staff save it, not when a migrant asks.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContentFileError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("topics"), dict):
        raise ContentFileError(f"{path.name}: expected a top-level 'topics:' mapping")
    topics: dict[Any, Any] = raw["topics"]
    unknown = sorted(str(t) for t in topics if t not in TOPICS)
    if unknown:
        raise ContentFileError(
            f"{path.name}: unknown topic(s) {', '.join(unknown)}; topics are {', '.join(TOPICS)}"
        )
    missing = [t for t in TOPICS if t not in topics]
    if missing:
        raise ContentFileError(f"{path.name}: missing topic(s) {', '.join(missing)}")

    entries: dict[tuple[str, str], TopicContent] = {}
    facets: dict[tuple[str, str, str], FacetContent] = {}
    for topic in TOPICS:
        items, topic_facets = _parse_topic(f"{path.name}: topic {topic!r}", topic, topics[topic])
        for item in items:
            entries[(item.topic, item.language)] = item
        for facet in topic_facets:
            facets[(facet.topic, facet.facet, facet.language)] = facet
    return Content(entries, facets)


_cache: dict[Path, tuple[tuple[int, int, int], Content]] = {}


def _cached_content(path: Path) -> Content:
    """The checked file, re-read only when it changed on disk.

    Staff edits must reach the running action server without a restart, yet parsing and
    checking the file for every message would be wasted work; its modification time and size
    decide. If an edited file is broken, the error is raised here rather than hidden behind the
    old, cached version, so the mistake is seen at once.
    """
    stat = path.stat()
    # the inode too: an edit saved by replacing the file (content/editing.py) is a new one
    stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    cached = _cache.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, load_content(path))
        _cache[path] = cached
    return cached[1]


def content_file() -> Path:
    """The file the bot answers from: CONTENT_FILE if set, else data/content.yaml. The action
    server and the console must read the same one, so that a console edit is the bot's next
    answer."""
    named = os.environ.get(CONTENT_FILE_VARIABLE, "").strip()
    return Path(named) if named else CONTENT_FILE


def get_topic_content(topic: str, language: str, path: Path | None = None) -> TopicContent:
    """Look one answer up (see `_cached_content` for when the file is read again)."""
    return _cached_content(path or content_file()).get(topic, language)


def get_facet(topic: str, facet: str, language: str, path: Path | None = None) -> FacetContent:
    """Look one follow-up answer up, with the same cached loading as `get_topic_content`."""
    return _cached_content(path or content_file()).facet(topic, facet, language)


def _parse_topic(where: str, topic: str, raw: Any) -> tuple[list[TopicContent], list[FacetContent]]:
    if not isinstance(raw, dict):
        raise ContentFileError(f"{where}: expected a mapping with service_types, es and en")
    _no_unknown_keys(where, raw, _TOPIC_KEYS)
    service_types = _service_types(where, raw.get("service_types"))
    for language in LANGUAGES:
        if language not in raw:
            raise ContentFileError(f"{where}: no {language!r} text; every topic needs es and en")
    items = [
        _parse_text(
            f"{where}, language {language!r}", topic, language, raw[language], service_types
        )
        for language in LANGUAGES
    ]
    _same_things(where, items)
    facets = [
        _parse_facets(f"{where}, language {item.language!r}", item, raw[item.language])
        for item in items
    ]
    for facet in FACETS:
        _same_facet(f"{where}, facet {facet!r}", [by_name[facet] for by_name in facets])
    return items, [f for by_name in facets for f in by_name.values()]


def _service_types(where: str, raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise ContentFileError(f"{where}: service_types must be a non-empty list")
    for value in raw:
        if value not in SERVICE_TYPES:
            raise ContentFileError(
                f"{where}: unknown service type {value!r}; "
                f"known types are {', '.join(sorted(SERVICE_TYPES))}"
            )
    if len(set(raw)) != len(raw):
        raise ContentFileError(f"{where}: service_types lists a type twice")
    return tuple(raw)


def _parse_text(
    where: str, topic: str, language: str, raw: Any, service_types: tuple[str, ...]
) -> TopicContent:
    if not isinstance(raw, dict):
        raise ContentFileError(f"{where}: expected a mapping with answer, source and reviewed")
    _no_unknown_keys(where, raw, _TEXT_KEYS)
    answer = raw.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        raise ContentFileError(f"{where}: answer is missing or empty")
    answer = answer.strip()
    if len(answer) > MAX_ANSWER_CHARS:
        raise ContentFileError(
            f"{where}: answer is {len(answer)} characters long; "
            f"at most {MAX_ANSWER_CHARS} fit a phone screen"
        )
    if "source" not in raw:
        raise ContentFileError(f"{where}: source is missing; every answer says where it comes from")
    also = raw.get("also_sources", [])
    if not isinstance(also, list):
        raise ContentFileError(f"{where}: also_sources must be a list")
    return TopicContent(
        topic=topic,
        language=language,
        answer=answer,
        steps=_strings(where, "steps", raw.get("steps", [])),
        documents=_strings(where, "documents", raw.get("documents", [])),
        source=_source(f"{where}, source", raw["source"]),
        also_sources=tuple(_source(f"{where}, also_sources[{i}]", s) for i, s in enumerate(also)),
        reviewed=_reviewed(where, raw.get("reviewed")),
        service_types=service_types,
    )


def _parse_facets(where: str, item: TopicContent, raw: dict[Any, Any]) -> dict[str, FacetContent]:
    """The six follow-up answers of one topic in one language: all required, none extra."""
    facets = raw.get("facets")
    if not isinstance(facets, dict):
        raise ContentFileError(
            f"{where}: facets is missing or not a mapping; every topic and language needs the "
            f"facets {', '.join(FACETS)}"
        )
    unknown = sorted(str(k) for k in facets if k not in FACETS)
    if unknown:
        raise ContentFileError(
            f"{where}: unknown facet(s) {', '.join(unknown)}; facets are {', '.join(FACETS)}"
        )
    missing = [f for f in FACETS if f not in facets]
    if missing:
        raise ContentFileError(
            f"{where}: missing facet(s) {', '.join(missing)}; "
            f"every topic and language needs {', '.join(FACETS)}"
        )
    return {
        facet: _parse_facet(f"{where}, facet {facet!r}", item, facet, facets[facet])
        for facet in FACETS
    }


def _parse_facet(where: str, item: TopicContent, facet: str, raw: Any) -> FacetContent:
    if not isinstance(raw, dict):
        raise ContentFileError(f"{where}: expected a mapping with text, source and known")
    _no_unknown_keys(where, raw, _FACET_KEYS)
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ContentFileError(f"{where}: text is missing or empty")
    text = text.strip()
    if len(text) > MAX_FACET_CHARS:
        raise ContentFileError(
            f"{where}: text is {len(text)} characters long; "
            f"at most {MAX_FACET_CHARS} fit after the answer on a phone screen"
        )
    known = raw.get("known")
    if not isinstance(known, bool):
        raise ContentFileError(
            f"{where}: known must be true or false, got {known!r} "
            "(false when no source answers the question)"
        )
    if "source" not in raw:
        raise ContentFileError(f"{where}: source is missing; every facet says where it comes from")
    also = raw.get("also_sources", [])
    if not isinstance(also, list):
        raise ContentFileError(f"{where}: also_sources must be a list")
    return FacetContent(
        topic=item.topic,
        facet=facet,
        language=item.language,
        text=text,
        known=known,
        source=_source(f"{where}, source", raw["source"]),
        also_sources=tuple(_source(f"{where}, also_sources[{i}]", s) for i, s in enumerate(also)),
        reviewed=item.reviewed,
    )


def _strings(where: str, field: str, raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(s, str) and s.strip() for s in raw):
        raise ContentFileError(f"{where}: {field} must be a list of non-empty texts")
    return tuple(s.strip() for s in raw)


def _source(where: str, raw: Any) -> Source:
    if not isinstance(raw, dict):
        raise ContentFileError(f"{where}: expected institution and url")
    _no_unknown_keys(where, raw, _SOURCE_KEYS)
    institution = raw.get("institution")
    if not isinstance(institution, str) or not institution.strip():
        raise ContentFileError(f"{where}: institution is missing or empty")
    if "url" not in raw:
        raise ContentFileError(f"{where}: url is missing; write null when no source gives one")
    url = raw["url"]
    if url is not None and (
        not isinstance(url, str) or not url.startswith("https://") or any(c.isspace() for c in url)
    ):
        raise ContentFileError(
            f"{where}: url must be an https:// link or null, got {url!r} "
            "(people open these links on their phones; plain http is not offered)"
        )
    return Source(institution.strip(), url)


def _reviewed(where: str, raw: Any) -> date:
    # A YAML date (2026-11-23 unquoted) arrives as a date; a quoted one as text. A timestamp
    # is a datetime (a date subclass) and is refused: the field is a day, not a moment.
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    if isinstance(raw, str) and _ISO_DATE.fullmatch(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise ContentFileError(f"{where}: reviewed must be a date as YYYY-MM-DD, got {raw!r}")


def _same_things(where: str, items: list[TopicContent]) -> None:
    """Catch the usual drift between translations: an edit made in one language only.

    Prose cannot be compared, but numbers (phones, ages, deadlines), links and the count of
    steps and documents can, and those are the facts a person acts on.
    """
    first, *others = items
    for other in others:
        pair = f"{first.language} and {other.language}"
        for field in ("steps", "documents"):
            a, b = len(getattr(first, field)), len(getattr(other, field))
            if a != b:
                raise ContentFileError(
                    f"{where}: {pair} must say the same things, "
                    f"but {first.language} has {a} {field} and {other.language} has {b}"
                )
        if [s.url for s in first.sources] != [s.url for s in other.sources]:
            raise ContentFileError(f"{where}: {pair} must cite the same source links")
        if first.reviewed != other.reviewed:
            raise ContentFileError(f"{where}: {pair} must have the same reviewed date")
        _same_numbers(
            where,
            (first.language, " ".join((first.answer, *first.steps, *first.documents))),
            (other.language, " ".join((other.answer, *other.steps, *other.documents))),
        )


def _same_facet(where: str, items: list[FacetContent]) -> None:
    """The drift check of `_same_things` for one facet: links, known and numbers."""
    first, *others = items
    for other in others:
        pair = f"{first.language} and {other.language}"
        if [s.url for s in first.sources] != [s.url for s in other.sources]:
            raise ContentFileError(f"{where}: {pair} must cite the same source links")
        if first.known != other.known:
            raise ContentFileError(
                f"{where}: {pair} must agree on known, but {first.language} says "
                f"{first.known} and {other.language} says {other.known}"
            )
        _same_numbers(where, (first.language, first.text), (other.language, other.text))


def _same_numbers(where: str, a: tuple[str, str], b: tuple[str, str]) -> None:
    (a_language, a_text), (b_language, b_text) = a, b
    a_numbers, b_numbers = set(_NUMBER.findall(a_text)), set(_NUMBER.findall(b_text))
    if a_numbers != b_numbers:
        raise ContentFileError(
            f"{where}: {a_language} and {b_language} must say the same things, but the numbers "
            f"differ: only in {a_language}: {sorted(a_numbers - b_numbers)}, "
            f"only in {b_language}: {sorted(b_numbers - a_numbers)}"
        )


def _no_unknown_keys(where: str, raw: dict[Any, Any], allowed: frozenset[str]) -> None:
    # A misspelt key ("anwser", "url:" under the wrong parent) would otherwise be dropped
    # silently and the text would go out without it.
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        raise ContentFileError(
            f"{where}: unknown field(s) {', '.join(unknown)}; "
            f"allowed here: {', '.join(sorted(allowed))}"
        )
