"""Whitespace tokenizer that adds a lemma to each token from spaCy's lookup tables.

"vacunan", "vacunar" and "vacuna" then count as related words for the count-vector
featurizer even with little training data. The lemma table is chosen by the message's
language (set by `LanguageDetector`, which must come before this component); spaCy's
lookup lemmatizer data comes from `spacy-lookups-data`, so nothing is downloaded.
"""

from __future__ import annotations

from typing import Any

import spacy_lookups_data
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from spacy.util import load_language_data

from nlu.components.language_detector import LANGUAGE
from nlu.components.text import fold


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class BilingualLemmaTokenizer(WhitespaceTokenizer):
    """Tokens with lemmas in the message's language (Spanish or English)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **WhitespaceTokenizer.get_default_config(),
            "languages": ["es", "en"],
            "min_length": 4,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__({**self.get_default_config(), **config})
        self._lemmas: dict[str, dict[str, str]] = {}
        for code in self._config["languages"]:
            # the raw table (spaCy's Table keeps only hashes of the words)
            table = load_language_data(getattr(spacy_lookups_data, code)["lemma_lookup"])
            # fold the keys too: people rarely type accents
            self._lemmas[code] = {fold(k): v for k, v in table.items()}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> BilingualLemmaTokenizer:
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        table = self._lemmas.get(message.get(LANGUAGE) or "", {})
        for token in tokens:
            key = fold(token.text)
            # short words are mostly function words, and the lookup tables are noisy on
            # them (Spanish "a" -> "angstrom"): keep them as they are
            token.lemma = (
                fold(table.get(key, key)) if len(key) >= self._config["min_length"] else key
            )
        return tokens
