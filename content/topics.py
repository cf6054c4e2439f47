"""Orientation answers per topic and language, read from a file that staff edit.

The words a migrant reads live in `data/content.yaml`, not in Python or in the model's domain,
so that programme staff can correct a fact, a link or a review date (later from the console)
without a release and without retraining the model. Because people edit that file by hand, it is
checked as a whole every time it is read: a bad file is refused with a message naming the topic,
the language and the field, rather than letting the bot show a wrong, unsourced, too long or
half-translated answer to someone who may act on it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from referral_directory import models

CONTENT_FILE = Path(__file__).parent / "data" / "content.yaml"

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

_TOPIC_KEYS = frozenset({"service_types", *LANGUAGES})
_TEXT_KEYS = frozenset({"answer", "steps", "documents", "source", "also_sources", "reviewed"})
_SOURCE_KEYS = frozenset({"institution", "url"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"\d+")


class ContentFileError(ValueError):
    """The content file cannot be trusted; the message says where and why."""


class UnknownContentError(LookupError):
    """A caller asked for a topic or language the content does not cover."""


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
class Content:
    entries: Mapping[tuple[str, str], TopicContent]

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
    for topic in TOPICS:
        for item in _parse_topic(f"{path.name}: topic {topic!r}", topic, topics[topic]):
            entries[(item.topic, item.language)] = item
    return Content(entries)


_cache: dict[Path, tuple[tuple[int, int], Content]] = {}


def get_topic_content(topic: str, language: str, path: Path = CONTENT_FILE) -> TopicContent:
    """Look one answer up, re-reading the file only when it changed on disk.

    Staff edits must reach the running action server without a restart, yet parsing and
    checking the file for every message would be wasted work; its modification time and size
    decide. If an edited file is broken, the error is raised here rather than hidden behind the
    old, cached version, so the mistake is seen at once.
    """
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, load_content(path))
        _cache[path] = cached
    return cached[1].get(topic, language)


def _parse_topic(where: str, topic: str, raw: Any) -> list[TopicContent]:
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
    return items


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
        a_numbers, b_numbers = _numbers(first), _numbers(other)
        if a_numbers != b_numbers:
            raise ContentFileError(
                f"{where}: {pair} must say the same things, but the numbers differ: "
                f"only in {first.language}: {sorted(a_numbers - b_numbers)}, "
                f"only in {other.language}: {sorted(b_numbers - a_numbers)}"
            )


def _numbers(item: TopicContent) -> set[str]:
    text = " ".join((item.answer, *item.steps, *item.documents))
    return set(_NUMBER.findall(text))


def _no_unknown_keys(where: str, raw: dict[Any, Any], allowed: frozenset[str]) -> None:
    # A misspelt key ("anwser", "url:" under the wrong parent) would otherwise be dropped
    # silently and the text would go out without it.
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        raise ContentFileError(
            f"{where}: unknown field(s) {', '.join(unknown)}; "
            f"allowed here: {', '.join(sorted(allowed))}"
        )
