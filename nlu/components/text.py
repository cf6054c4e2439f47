"""Text folding shared by the NLU components.

People type place names without accents, in any case, with dots and odd symbols
("b. balboa", "Bº Colón"); folding both the data and the message the same way lets
an exact dictionary lookup do most of the work before any fuzzy matching.

The application folds with its own copy (`text.fold`, in the top-level `text/` package): these
components run in Rasa's environment and import nothing of the application.
`tests/tools/test_one_copy.py` checks that the two fold every tricky string the same way.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Lower-case and strip accents ("Mañanitas" -> "mananitas", "Bº" -> "bo")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@dataclass(frozen=True)
class Word:
    """A word of the original text, its folded form and where it sits in the text."""

    folded: str
    start: int
    end: int


def words(text: str) -> list[Word]:
    """Split into words (letters and digits), keeping offsets into the original text."""
    return [Word(fold(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]


def folded_key(text: str) -> str:
    """The matching key of a phrase: its folded words joined by single spaces."""
    return " ".join(w.folded for w in words(text))
