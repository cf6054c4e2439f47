"""Components trained the way `rasa train` trains them: on the generated lookup file,
through Rasa's own model storage."""

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.loading import load_data

from nlu.components.language_detector import LanguageDetector
from nlu.components.place_extractor import PlaceEntityExtractor

LOOKUPS = Path(__file__).resolve().parents[2] / "nlu" / "data" / "lookups" / "places.yml"


@pytest.fixture(scope="session")
def storage(tmp_path_factory: pytest.TempPathFactory) -> LocalModelStorage:
    return LocalModelStorage(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="session")
def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


@pytest.fixture(scope="session")
def place_extractor(storage: LocalModelStorage, context: ExecutionContext) -> PlaceEntityExtractor:
    resource = Resource("places")
    trained = PlaceEntityExtractor.create({}, storage, resource, context)
    trained.train(load_data(str(LOOKUPS)))
    # what the server does: load the persisted component, not the one in memory
    return PlaceEntityExtractor.load({}, storage, resource, context)


@pytest.fixture(scope="session")
def language_detector(storage: LocalModelStorage, context: ExecutionContext) -> LanguageDetector:
    resource = Resource("language")
    LanguageDetector.create({}, storage, resource, context).train(load_data(str(LOOKUPS)))
    return LanguageDetector.load({}, storage, resource, context)
