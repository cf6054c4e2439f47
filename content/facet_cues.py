"""Which facet of a topic a message asks about, from its words (data/facet_cues.yaml).

The classifier names the topic well and the facet less so: a follow-up that mentions papers or
a fee often comes back as a topic ("y qué papeles me piden?" as regularization, after the
refuge answer). The action then asks here which facet the words name, and answers that facet
for the conversation's topic instead of sending a whole topic answer again. Pure: the same text
gives the same facet; the file is read once.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Final

from content.cues import CuesError, Phrases, cue_words, named, read_cues
from content.topics import FACETS

CUES_FILE: Final = Path(__file__).parent / "data" / "facet_cues.yaml"


class FacetCuesError(CuesError):
    """The facet cue file cannot be used as it is."""


@cache
def load_cues(path: Path = CUES_FILE) -> tuple[tuple[str, Phrases], ...]:
    """(facet, the folded phrases that name it) in the file's order, both languages together."""
    try:
        return read_cues(path, "facets", "facet", FACETS)
    except FacetCuesError:
        raise
    except CuesError as error:
        raise FacetCuesError(str(error)) from error


def facet_in(text: str) -> str | None:
    """The first facet (in the file's order) whose words the message has, or None."""
    words = cue_words(text[:500])
    for facet, phrases in load_cues():
        if named(words, phrases):
            return facet
    return None
