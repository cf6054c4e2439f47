"""The topics a long message names besides the one it is answered for (data/topic_cues.yaml).

A person who writes once about several needs ("my wife is pregnant, my visa expired, the boss
doesn't pay me, my son has no school") should not get one answer and lose the rest, nor "I
didn't understand" because the needs pull the classifier four ways. The action answers the
most urgent need and offers the others, found here by their words. Pure; the file is read once.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Final

from content.cues import Phrases, cue_words, named, read_cues
from content.topics import TOPICS

CUES_FILE: Final = Path(__file__).parent / "data" / "topic_cues.yaml"
#: a message shorter than this is about one thing: no offer of others
LONG_MESSAGE: Final = 160


@cache
def load_topic_cues(path: Path = CUES_FILE) -> tuple[tuple[str, Phrases], ...]:
    """(topic, the folded phrases that name it), most urgent first, as the file lists them."""
    return read_cues(path, "topics", "topic", TOPICS)


def topics_in(text: str) -> list[str]:
    """Every topic whose words the message has, most urgent first."""
    words = cue_words(text[:2000])
    return [topic for topic, phrases in load_topic_cues() if named(words, phrases)]


def other_needs(text: str, answered: str | None) -> list[str]:
    """The topics of a long message other than the one answered, most urgent first; none for a
    short message (a question about one thing names its topic's words in passing)."""
    if len(text) < LONG_MESSAGE:
        return []
    return [topic for topic in topics_in(text) if topic != answered]
