"""Rasa entity extractor for `corregimiento`, normalised to the official name.

It learns nothing statistical: at training time it reads the `corregimiento` lookup table
and the synonyms of the training data (generated from the places file) and keeps them in
the model, so the model alone knows every place and its written forms. See
`place_matcher.py` for how text is matched.
"""

from __future__ import annotations

import logging
from typing import Any

import rasa.shared.utils.io
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.place_matcher import PlaceMatcher

logger = logging.getLogger(__name__)

_FILE = "places.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class PlaceEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Finds corregimiento names despite accents, case, abbreviations and typos."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "entity": "corregimiento",
            # lookup table listing official names that need a place cue before them
            "needs_cue_lookup": "corregimiento_needs_cue",
            # drop other extractors' values for this entity: ours are normalised
            "replace_other_extractors": True,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        aliases: dict[str, str] | None = None,
        needs_cue: list[str] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._aliases = aliases or {}
        self._needs_cue = needs_cue or []
        self._matcher = PlaceMatcher(self._aliases, frozenset(self._needs_cue))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PlaceEntityExtractor:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        entity = self._config["entity"]
        names: list[str] = []
        needs_cue: list[str] = []
        for table in training_data.lookup_tables:
            if table["name"] == entity:
                names.extend(table["elements"])
            elif table["name"] == self._config["needs_cue_lookup"]:
                needs_cue.extend(table["elements"])
        synonyms = training_data.entity_synonyms  # written form (lower case) -> value
        # official names: lookup entries that synonyms point to, or that stand alone
        listed = set(names)
        officials = {v for v in synonyms.values() if v in listed}
        officials |= {n for n in names if n.lower() not in synonyms}
        aliases = {o: o for o in officials}
        for written, value in synonyms.items():
            if value in officials:
                aliases[written] = value
        if not aliases:
            rasa.shared.utils.io.raise_warning(
                f"No lookup table named '{entity}' in the training data: "
                f"{self.__class__.__name__} will find no places. Run `make generate`."
            )
        self._aliases, self._needs_cue = aliases, needs_cue
        self._matcher = PlaceMatcher(aliases, frozenset(needs_cue))
        with self._model_storage.write_to(self._resource) as directory:
            rasa.shared.utils.io.dump_obj_as_json_to_file(
                directory / _FILE, {"aliases": aliases, "needs_cue": needs_cue}
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> PlaceEntityExtractor:
        try:
            with model_storage.read_from(resource) as directory:
                data = rasa.shared.utils.io.read_json_file(directory / _FILE)
        except ValueError:
            logger.warning("No stored places for %s; it will find none.", cls.__name__)
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, data["aliases"], data["needs_cue"])

    def process(self, messages: list[Message]) -> list[Message]:
        entity = self._config["entity"]
        for message in messages:
            text = message.get(TEXT) or ""
            found = [
                {
                    "entity": entity,
                    "start": m.start,
                    "end": m.end,
                    "value": m.value,
                    "confidence_entity": 1.0 if m.exact else 0.9,
                }
                for m in self._matcher.find(text)
            ]
            others = message.get(ENTITIES, [])
            if self._config["replace_other_extractors"]:
                others = [e for e in others if e.get("entity") != entity]
            message.set(ENTITIES, others + self.add_extractor_name(found), add_to_output=True)
        return messages
