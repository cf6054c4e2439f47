"""Rasa component that tells whether a message is Spanish or English.

Built on lingua (lingua-language-detector), which is accurate on short text. It adds two
keys to the parse, both returned by `/model/parse`:

- `language`: "es" or "en", always (the default language when the message is ambiguous);
- `language_ambiguous`: true when the message does not say which language it is in
  ("ok", "si", "Herrera", an emoji): the conversation then keeps the language it had.

Place names are removed before detection (they are Spanish words in English sentences): the
entities found before this component, and every name of the place lookup tables of the
training data (generated from the places file), which the component keeps in the model.
"""

from __future__ import annotations

from typing import Any

import rasa.shared.utils.io
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

_LINGUA = {"es": Language.SPANISH, "en": Language.ENGLISH}
_CODE = {v: k for k, v in _LINGUA.items()}


_FILE = "place_names.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class LanguageDetector(GraphComponent):
    """Adds `language` and `language_ambiguous` to every parsed message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "languages": ["es", "en"],
            "default_language": "es",
            # below this lingua confidence the message is ambiguous
            "min_confidence": 0.75,
            # fewer letters than this (after removing places and numbers) is ambiguous
            "min_letters": 3,
            # lookup tables whose entries are place names, ignored by the detection
            "place_lookups": ["corregimiento", "distrito", "provincia"],
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        place_names: list[str] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._set_place_names(place_names or [])
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
        try:
            with model_storage.read_from(resource) as directory:
                names = rasa.shared.utils.io.read_json_file(directory / _FILE)
        except ValueError:
            names = []
        return cls(config, model_storage, resource, names)

    def train(self, training_data: TrainingData) -> Resource:
        wanted = set(self._config["place_lookups"])
        names = sorted(
            {
                folded_key(e)
                for t in training_data.lookup_tables
                if t["name"] in wanted
                for e in t["elements"]
            }
            - {""}
        )
        self._set_place_names(names)
        with self._model_storage.write_to(self._resource) as directory:
            rasa.shared.utils.io.dump_obj_as_json_to_file(directory / _FILE, names)
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

    def detect(self, text: str, skip: list[tuple[int, int]] = ()) -> tuple[str, bool]:  # type: ignore[assignment]
        """The language of `text` ignoring the spans in `skip`, and whether it is ambiguous."""
        tokens = words(text)
        places = self._place_word_indexes([w.folded for w in tokens])
        kept = [
            w.folded
            for i, w in enumerate(tokens)
            if i not in places
            and not w.folded.isdigit()
            and not any(s <= w.start < e for s, e in skip)
        ]
        letters = sum(c.isalpha() for w in kept for c in w)
        if letters < self._config["min_letters"]:
            return self._config["default_language"], True
        confidences = self._detector.compute_language_confidence_values(" ".join(kept))
        best = confidences[0]
        if best.value < self._config["min_confidence"]:
            return self._config["default_language"], True
        return _CODE[best.language], False

    def _annotate(self, message: Message) -> None:
        text = message.get(TEXT)
        if not text:
            return
        spans = [(e["start"], e["end"]) for e in message.get(ENTITIES, []) if "start" in e]
        language, ambiguous = self.detect(text, spans)
        message.set(LANGUAGE, language, add_to_output=True)
        message.set(LANGUAGE_AMBIGUOUS, ambiguous, add_to_output=True)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._annotate(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._annotate(message)
        return messages
