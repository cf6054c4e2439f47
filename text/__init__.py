"""How the application compares what people type: accent folding and the words they put before
a place ("vivo en", "near", "el corregimiento de").

One copy for the whole application (the directory's place index, the lookup generator, the
actions). The NLU components keep their own copy (`nlu/components/text.py` and
`PLACE_CUES` in `nlu/components/place_matcher.py`) only because they run inside Rasa's
environment and import nothing of the application; `tests/tools/test_one_copy.py` keeps the two
the same. This module knows no Rasa, web, channel or data, so every part may import it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final


def fold(text: str) -> str:
    """Lower case without accents: how most people type ("Mañanitas" -> "mananitas").

    NFKD also turns "º" (as in "Bº Balboa") into "o" and "²" into "2"; letters that do not
    decompose ("ø", "ß") and symbols (emoji) are kept as they are.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


#: Words after which the next words are very likely a place ("vivo en X", "near X"), folded.
#: The NLU's place matcher takes one of them just before a name as a sign that it is a place;
#: the application strips them (`strip_place_cue`, all but the nouns below) before it looks
#: the place up.
PLACE_CUES: Final = frozenset(
    {
        # Spanish
        "en", "de", "del", "por", "cerca", "desde", "para", "vivo", "estoy", "corregimiento",
        "sector", "zona", "area", "queda", "barriada",
        # English
        "in", "at", "from", "near", "around", "to", "live", "living", "stay", "staying",
    }
)  # fmt: skip

#: Cue words that are nouns, and often part of a name ("Sector 4", "Zona Libre", "Área
#: Revertida"): a cue to the NLU, but not stripped from the name (a level word is, below).
AREA_NOUNS: Final = frozenset({"corregimiento", "sector", "zona", "area", "barriada"})
_STRIPPED_CUES: Final = PLACE_CUES - AREA_NOUNS

#: Words that may open a cue phrase without being cues themselves ("yo vivo en", "I am in",
#: "me quedo en", "resido en"): stripped only together with a cue after them.
LEAD_INS: Final = frozenset({"yo", "i", "im", "am", "me", "resido", "quedo"})

#: A level of the place hierarchy named before the name ("el corregimiento de Herrera",
#: "the district of La Chorrera"): articles, the level, then "de" / "of".
ARTICLES: Final = ("el", "la", "the")
LEVEL_WORDS: Final = ("corregimiento", "corr", "distrito", "district", "provincia", "province")
LEVEL_LINKS: Final = ("de", "of")

_TOKEN = re.compile(r"\S+")
_PUNCTUATION = " .,;:!?¿¡'’\"«»()"


def _key(token: str) -> str:
    """A token as the cue lists hold it: folded, without punctuation or apostrophes."""
    return fold(token).strip(_PUNCTUATION).replace("'", "").replace("’", "")


def strip_place_cue(text: str) -> str:
    """The place part of what someone typed: `text` without the cue words before the name.

    "vivo en villa lucre" -> "villa lucre"; "I'm near B. Balboa" -> "B. Balboa";
    "en el corregimiento de Herrera" -> "Herrera". The rest is returned as written (case,
    accents and dots kept, to echo it); text that is nothing but cue words comes back whole.
    """
    tokens = [(m.end(), _key(m.group())) for m in _TOKEN.finditer(text)]
    i, cut = 0, 0
    # 1. a run of cue words, possibly opened by lead-ins, ending with a cue word
    j = 0
    while j < len(tokens) and (tokens[j][1] in _STRIPPED_CUES or tokens[j][1] in LEAD_INS):
        if tokens[j][1] in _STRIPPED_CUES:
            i, cut = j + 1, tokens[j][0]
        j += 1
    # 2. a level of the hierarchy: articles, the level word, "de" / "of"
    j = i
    while j < len(tokens) and tokens[j][1] in ARTICLES:
        j += 1
    if j < len(tokens) and tokens[j][1] in LEVEL_WORDS:
        j += 1
        if j < len(tokens) and tokens[j][1] in LEVEL_LINKS:
            j += 1
        i, cut = j, tokens[j - 1][0]
    rest = text[cut:].strip()
    return rest if i < len(tokens) and rest else text.strip()
