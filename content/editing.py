"""Staff edit a topic's answer (the console's /content page): both languages at once, with its
steps, sources and review date, saved into the content file the bot answers from.

An edit goes through the loader's own checks (`topics.load_content`, on the whole file as it
would be saved) and is written only when they pass, by replacing the file in one step: the
action server re-reads a changed file at its next message (`topics._cached_content`), so the
new text is the bot's next answer, without a restart or retraining, and never half a file. The
file is edited round-trip (ruamel.yaml), so its comments and layout stay as staff wrote them.
The follow-up answers (facets) are not edited here; they are checked with the answer all the
same.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString as Quoted

from content import topics
from content.topics import LANGUAGES, TOPICS, ContentFileError, Source, UnknownContentError

#: a topic whose answer was last checked longer ago than this is due for review
REVIEW_DAYS = 180


@dataclass(frozen=True)
class TopicText:
    """What staff edit of one topic in one language."""

    answer: str
    steps: tuple[str, ...]
    #: the main source first, then the others
    sources: tuple[Source, ...]
    reviewed: dt.date


@dataclass(frozen=True)
class TopicStatus:
    topic: str
    reviewed: dt.date
    #: days since the review
    age_days: int
    due: bool


def _yaml() -> YAML:
    yaml = YAML()  # round-trip: comments, order and quoting survive
    yaml.width = 4096  # entries nobody edited keep their lines as they are
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)  # the file's own layout
    yaml.representer.add_representer(type(None), _null)
    return yaml


def _null(representer: Any, _: None) -> Any:
    """`url: null`, as the file writes a link no source gives (not an empty value)."""
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def read_topic(topic: str, path: Path | None = None) -> dict[str, TopicText]:
    """The editable texts of a topic, by language, as the bot answers them now."""
    if topic not in TOPICS:
        raise UnknownContentError(f"no topic {topic!r}; topics: {', '.join(TOPICS)}")
    content = topics.load_content(path or topics.content_file())
    out = {}
    for language in LANGUAGES:
        item = content.get(topic, language)
        out[language] = TopicText(item.answer, item.steps, item.sources, item.reviewed)
    return out


def review_status(today: dt.date | None = None, path: Path | None = None) -> list[TopicStatus]:
    """Every topic with its review date, the longest unreviewed first."""
    today = today or dt.date.today()
    content = topics.load_content(path or topics.content_file())
    rows = []
    for topic in TOPICS:
        reviewed = min(content.get(topic, language).reviewed for language in LANGUAGES)
        age = (today - reviewed).days
        rows.append(TopicStatus(topic, reviewed, age, age > REVIEW_DAYS))
    return sorted(rows, key=lambda r: (-r.age_days, r.topic))


def _source(source: Source) -> CommentedMap:
    out = CommentedMap()
    out["institution"] = Quoted(source.institution.strip())
    out["url"] = Quoted(source.url.strip()) if source.url else None
    return out


def _apply(entry: CommentedMap, text: TopicText) -> None:
    entry["answer"] = Quoted(" ".join(text.answer.split()))
    if text.steps:
        entry["steps"] = CommentedSeq([Quoted(s.strip()) for s in text.steps])
    else:
        entry.pop("steps", None)
    if not text.sources:
        raise ContentFileError("source is missing; every answer says where it comes from")
    entry["source"] = _source(text.sources[0])
    if len(text.sources) > 1:
        entry["also_sources"] = CommentedSeq([_source(s) for s in text.sources[1:]])
    else:
        entry.pop("also_sources", None)
    entry["reviewed"] = text.reviewed


def save_topic(topic: str, texts: Mapping[str, TopicText], path: Path | None = None) -> None:
    """Write a topic's texts (every language) into the content file, if the whole file still
    passes the loader's checks; ContentFileError (naming the topic, language and field) when
    it does not, and then nothing is written."""
    if topic not in TOPICS:
        raise UnknownContentError(f"no topic {topic!r}; topics: {', '.join(TOPICS)}")
    missing = [language for language in LANGUAGES if language not in texts]
    if missing:
        raise ContentFileError(f"topic {topic!r}: no {', '.join(missing)} text; both are edited")
    target = path or topics.content_file()
    yaml = _yaml()
    document: Any = yaml.load(target.read_text(encoding="utf-8"))
    for language in LANGUAGES:
        try:
            _apply(document["topics"][topic][language], texts[language])
        except ContentFileError as exc:
            raise ContentFileError(f"topic {topic!r}, language {language!r}: {exc}") from exc
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    # checked as the file it would become, beside it, then put in its place in one step
    handle, name = tempfile.mkstemp(prefix=".content-", suffix=".yaml", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(buffer.getvalue())
        checked = Path(name)
        topics.load_content(checked)
        os.chmod(checked, target.stat().st_mode & 0o777)
        os.replace(checked, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def parse_sources(lines: Sequence[str]) -> tuple[Source, ...]:
    """Sources as staff type them, one a line: "Institution | https://link" (or no link)."""
    out = []
    for line in (raw.strip() for raw in lines):
        if not line:
            continue
        institution, _, url = (part.strip() for part in line.partition("|"))
        out.append(Source(institution, url or None))
    return tuple(out)


def source_lines(sources: Sequence[Source]) -> str:
    """The other way: what the form shows."""
    return "\n".join(f"{s.institution} | {s.url}" if s.url else s.institution for s in sources)
