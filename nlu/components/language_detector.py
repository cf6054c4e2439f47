"""Rasa component that tells whether a message is Spanish or English.

It adds three keys to the parse, all returned by `/model/parse`:

- `language`: "es" or "en", always (the default language when the message is ambiguous);
- `language_ambiguous`: true when the message does not say which language it is in
  ("ok", "Herrera", an emoji, "Carlos"): the conversation then keeps the language it had;
- `language_confidence`: how sure the detector is (0.5-1.0); the conversation switches
  language only on a sure message (actions/language_choice.py).

The text decides, in three steps, because a library guesses badly on one or two words
(lingua reads "hello" and "agent" as Spanish) and names say nothing about a language:

1. what says nothing is removed: place names (the entities found before this component and
   every name of the place lookup tables, kept in the model), person names after "me llamo" /
   "my name is", numbers, and the neutral words of `nlu/language_words.yml` (loanwords such as
   "carnet" and "MITRADEL", countries, "ok");
2. a short message (three words or fewer) with marker words of one language only is that
   language ("hi", "yes please", "gracias"): lingua's guess does not enter;
3. otherwise lingua (lingua-language-detector, restricted to the two languages) decides; when
   it is unsure, the marker words settle it, and with none the message is ambiguous.

reports/language_id.md compares this with lingua, py3langid and fastText alone.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import rasa.shared.utils.io
import yaml
from lingua import Language, LanguageDetectorBuilder
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.text import folded_key, words

LANGUAGE = "language"
LANGUAGE_AMBIGUOUS = "language_ambiguous"
LANGUAGE_CONFIDENCE = "language_confidence"
DEFAULT_WORDS = Path(__file__).resolve().parent.parent / "language_words.yml"

_LINGUA = {"es": Language.SPANISH, "en": Language.ENGLISH}
_CODE = {v: k for k, v in _LINGUA.items()}


_FILE = "place_names.json"
_WORDS_FILE = "language_words.json"
# a short message is decided by its marker words alone
_SHORT = 3
# confidence given to a message decided by marker words
_MARKED = 0.95
# a single word that is no marker decides only when the library is this sure of it
_ONE_WORD = 0.93


def _squeezed(word: str) -> str:
    """ "heeey" -> "hey", "yesss" -> "yes", "nooo" -> "no": people stretch short words."""
    return re.sub(r"(\w)\1+", r"\1", word)


class LanguageWords:
    """The marker, neutral and name-cue words of `nlu/language_words.yml`, folded."""

    def __init__(self, data: dict[str, Any]) -> None:
        every = [
            *(data.get("neutral") or []),
            *(w for ws in (data.get("markers") or {}).values() for w in ws),
        ]
        if not all(isinstance(w, str) for w in every):
            # YAML reads an unquoted yes / no / on as a boolean
            raise ValueError(
                f"quote these language words: {[w for w in every if not isinstance(w, str)]}"
            )
        self.markers = {
            str(code): frozenset(folded_key(w) for w in ws)
            for code, ws in (data.get("markers") or {}).items()
        }
        self.neutral = frozenset(folded_key(w) for w in data.get("neutral") or [])
        self.name_cues = [folded_key(c).split() for c in data.get("name_cues") or []]

    @classmethod
    def from_file(cls, path: Path) -> LanguageWords:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")) or {})

    def as_mapping(self) -> dict[str, Any]:
        return {
            "markers": {code: sorted(ws) for code, ws in self.markers.items()},
            "neutral": sorted(self.neutral),
            "name_cues": [" ".join(c) for c in self.name_cues],
        }

    def name_indexes(self, folded: list[str]) -> set[int]:
        """The words that follow a name cue: up to two, stopping at a marker word."""
        found: set[int] = set()
        for cue in self.name_cues:
            n = len(cue)
            for i in range(len(folded) - n + 1):
                if folded[i : i + n] != cue:
                    continue
                for j in range(i + n, min(i + n + 2, len(folded))):
                    if any(folded[j] in ws for ws in self.markers.values()):
                        break
                    found.add(j)
        return found


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class LanguageDetector(GraphComponent):
    """Adds `language`, `language_ambiguous` and `language_confidence` to every message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "languages": ["es", "en"],
            "default_language": "es",
            # below this lingua confidence the marker words decide, or the message is ambiguous
            "min_confidence": 0.75,
            # fewer letters than this (after removing what says nothing) is ambiguous
            "min_letters": 2,
            # lookup tables whose entries are place names, ignored by the detection
            "place_lookups": ["corregimiento", "distrito", "provincia"],
            "words": str(DEFAULT_WORDS),
            # Rasa reuses a cached component when its config and data are unchanged; the word
            # list is neither, so its digest is in the config to retrain on edit
            "words_sha256": hashlib.sha256(DEFAULT_WORDS.read_bytes()).hexdigest(),
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        place_names: list[str] | None = None,
        language_words: LanguageWords | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._set_place_names(place_names or [])
        self._words = language_words or LanguageWords.from_file(Path(self._config["words"]))
        languages = [_LINGUA[code] for code in self._config["languages"]]
        self._detector = (
            LanguageDetectorBuilder.from_languages(*languages)
            .with_preloaded_language_models()
            .build()
        )

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageDetector:
        names: list[str] = []
        language_words = None
        try:
            with model_storage.read_from(resource) as directory:
                names = rasa.shared.utils.io.read_json_file(directory / _FILE)
                if (directory / _WORDS_FILE).exists():
                    language_words = LanguageWords(
                        rasa.shared.utils.io.read_json_file(directory / _WORDS_FILE)
                    )
        except ValueError:
            pass
        return cls(config, model_storage, resource, names, language_words)

    @classmethod
    def from_lookup_file(cls, path: Path) -> LanguageDetector:
        """A detector outside a model, for the comparison (nlu/language_compare.py)."""
        from rasa.shared.nlu.training_data.loading import load_data

        detector = cls({}, None, None)  # type: ignore[arg-type]
        detector._set_place_names(detector._names_of(load_data(str(path))))
        return detector

    def _names_of(self, training_data: TrainingData) -> list[str]:
        wanted = set(self._config["place_lookups"])
        return sorted(
            {
                folded_key(e)
                for t in training_data.lookup_tables
                if t["name"] in wanted
                for e in t["elements"]
            }
            - {""}
        )

    def train(self, training_data: TrainingData) -> Resource:
        self._set_place_names(self._names_of(training_data))
        # the words are copied into the model: a model never depends on a file beside it
        with self._model_storage.write_to(self._resource) as directory:
            rasa.shared.utils.io.dump_obj_as_json_to_file(
                directory / _FILE, sorted(self._place_names)
            )
            rasa.shared.utils.io.dump_obj_as_json_to_file(
                directory / _WORDS_FILE, self._words.as_mapping()
            )
        return self._resource

    def _set_place_names(self, names: list[str]) -> None:
        self._place_names = frozenset(names)
        self._longest = max((n.count(" ") + 1 for n in names), default=0)

    def _place_word_indexes(self, folded: list[str]) -> set[int]:
        covered: set[int] = set()
        for n in range(min(self._longest, len(folded)), 0, -1):
            for i in range(len(folded) - n + 1):
                if " ".join(folded[i : i + n]) in self._place_names:
                    covered.update(range(i, i + n))
        return covered

    def _kept(self, text: str, skip: list[tuple[int, int]] = ()) -> list[str]:  # type: ignore[assignment]
        """The folded words that can say something about the language."""
        tokens = words(text)
        folded = [w.folded for w in tokens]
        dropped = self._place_word_indexes(folded) | self._words.name_indexes(folded)
        return [
            w.folded
            for i, w in enumerate(tokens)
            if i not in dropped
            and not w.folded.isdigit()
            and w.folded not in self._words.neutral
            and not any(s <= w.start < e for s, e in skip)
        ]

    def cleaned(self, text: str) -> str:
        """The text lingua is given: what says nothing about the language removed."""
        return " ".join(self._kept(text))

    def detect(self, text: str, skip: list[tuple[int, int]] = ()) -> tuple[str, bool]:  # type: ignore[assignment]
        """The language of `text` ignoring the spans in `skip`, and whether it is ambiguous."""
        language, ambiguous, _ = self.detect_with_confidence(text, skip)
        return language, ambiguous

    def detect_with_confidence(
        self,
        text: str,
        skip: list[tuple[int, int]] = (),  # type: ignore[assignment]
    ) -> tuple[str, bool, float]:
        """The language, whether the text is ambiguous, and how sure the detector is."""
        kept = self._kept(text, skip)
        default = self._config["default_language"]
        letters = sum(c.isalpha() for w in kept for c in w)
        if letters < self._config["min_letters"]:
            return default, True, 0.5
        marked = {
            code: sum(w in ws or _squeezed(w) in ws for w in kept)
            for code, ws in self._words.markers.items()
        }
        marked_only = [code for code, n in marked.items() if n] if any(marked.values()) else []
        if len(kept) <= _SHORT and len(marked_only) == 1:
            return marked_only[0], False, _MARKED
        best = self._detector.compute_language_confidence_values(" ".join(kept))[0]
        code, value = _CODE[best.language], round(float(best.value), 3)
        if len(kept) == 1 and not marked_only and value < _ONE_WORD:
            # one unknown word is most often a name ("Carlos", "Yessica"): it says nothing
            return default, True, value
        if value >= self._config["min_confidence"]:
            if marked_only == [code] and marked[code] >= 2:
                # the library and the words agree: sure enough to switch a conversation
                value = max(value, _MARKED)
            return code, False, value
        top = sorted(marked.items(), key=lambda kv: -kv[1])
        if top and top[0][1] > (top[1][1] if len(top) > 1 else 0):
            return top[0][0], False, value
        return default, True, value

    def _annotate(self, message: Message) -> None:
        text = message.get(TEXT)
        if not text:
            return
        spans = [(e["start"], e["end"]) for e in message.get(ENTITIES, []) if "start" in e]
        language, ambiguous, confidence = self.detect_with_confidence(text, spans)
        message.set(LANGUAGE, language, add_to_output=True)
        message.set(LANGUAGE_AMBIGUOUS, ambiguous, add_to_output=True)
        message.set(LANGUAGE_CONFIDENCE, confidence, add_to_output=True)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._annotate(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._annotate(message)
        return messages
