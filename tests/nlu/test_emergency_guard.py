"""The danger-phrase safety net: what it must catch, what it must leave alone, and that a
trained model carries it (the server loads the persisted copy, not the file)."""

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.danger_lexicon import DangerLexicon, LexiconError
from nlu.components.emergency_guard import GUARD_KEY, EmergencyGuard

LEXICON = DangerLexicon.from_file()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("ME QUIERO MATAR", "suicide"),
        ("pienso en el suicidio todos los dias", "suicide"),
        ("ya no quiero vivir", "suicide"),
        ("I want to end my life", "suicide"),
        ("i dont want to wake up anymore", "suicide"),
        ("mi marido me está pegando ahorita", "violence"),
        ("el man tiene un cuchillo y nos amenaza", "violence"),
        ("he is beating me right now", "violence"),
        ("they threatened to kill my family", "violence"),
        ("me violaron anoche", "sexual_violence"),
        ("I was raped", "sexual_violence"),
        ("el patrón me quitaron el pasaporte y no me dejan salir", "trafficking"),
        ("my boss took my passport and won't let me leave", "trafficking"),
        ("mi esposa está sangrando mucho", "medical"),
        ("my baby is not breathing", "medical"),
        ("empezó el parto y estoy sola", "medical"),
        ("no encuentro a mi hijo desde la mañana", "missing_child"),
        ("my daughter is missing", "missing_child"),
        ("¡¡auxilio!!", "cry_for_help"),
    ],
)
def test_danger_is_caught_in_both_languages(text: str, category: str) -> None:
    assert LEXICON.category(text) == category


@pytest.mark.parametrize(
    "text",
    [
        "me muero de hambre jaja",
        "this traffic is killing me",
        "me tocó esperar tres horas",
        "necesito un examen de sangre",
        "I need a blood test",
        "I have my passport but my visa expired",
        "my son lost his passport",
        "no quiero vivir en este barrio, busco cuarto",
        "violación de mis derechos laborales",
        "necesito el auxilio de transporte",
        "I'm going to die of boredom",
        "where can I get a flu shot",
        "no encuentro trabajo para mi hijo",
        "me siento triste y solo",
    ],
)
def test_everyday_words_are_left_to_the_classifier(text: str) -> None:
    assert LEXICON.category(text) is None


def test_a_broken_lexicon_stops_training() -> None:
    with pytest.raises(LexiconError, match="bad pattern"):
        DangerLexicon.from_mapping({"categories": {"suicide": ["(unclosed"]}})
    with pytest.raises(LexiconError, match="categories"):
        DangerLexicon.from_mapping({"version": 1})


def _parsed(text: str, intent: str, confidence: float) -> Message:
    message = Message.build(text=text)
    message.set("intent", {"name": intent, "confidence": confidence})
    message.set(
        "intent_ranking",
        [{"name": intent, "confidence": confidence}, {"name": "emergency", "confidence": 0.01}],
    )
    return message


def test_the_trained_model_overrides_the_classifier_and_says_so(
    storage: LocalModelStorage, context: ExecutionContext, tmp_path: Path
) -> None:
    lexicon = tmp_path / "phrases.yml"
    lexicon.write_text("categories:\n  suicide:\n    - '\\bno quiero vivir\\b'\n")
    resource = Resource("guard")
    EmergencyGuard.create({"lexicon": str(lexicon)}, storage, resource, context).train(
        TrainingData()
    )
    lexicon.unlink()  # the loaded model must not need the file any more
    guard = EmergencyGuard.load({}, storage, resource, context)

    caught, calm = _parsed("ya no quiero vivir", "deny", 0.98), _parsed("hola", "greet", 0.99)
    guard.process([caught, calm])

    assert caught.get("intent")["name"] == "emergency"
    assert caught.get("intent_ranking")[0]["name"] == "emergency"
    assert [r["name"] for r in caught.get("intent_ranking")].count("emergency") == 1
    assert caught.get(GUARD_KEY) == {"category": "suicide", "classifier_intent": "deny"}
    assert calm.get("intent")["name"] == "greet" and calm.get(GUARD_KEY) is None


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("i dont want to hurt myself, i just need to talk", None),
        ("nobody hit me but they insulted me on the bus", None),
        ("me amenazaron de muerte en mi pais, puedo pedir refugio", None),
        ("they want to kill me back home, can i ask for asylum", None),
        ("me amenazaron de muerte aqui en el barrio", "violence"),
        ("he hit me and nobody helped", "violence"),
    ],
)
def test_negated_or_far_away_danger_is_not_an_emergency(text: str, category: str | None) -> None:
    assert LEXICON.category(text) == category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("este calor me esta matando", None),
        ("el alquiler me esta ahogando", None),
        ("me estan matando a golpes", "violence"),
    ],
)
def test_idioms_with_a_singular_subject_are_not_violence(text: str, category: str | None) -> None:
    assert LEXICON.category(text) == category


def test_editing_the_phrases_changes_the_config_rasa_fingerprints() -> None:
    # otherwise `rasa train` would restore the old phrases from its cache
    config = EmergencyGuard.get_default_config()
    assert len(config["lexicon_sha256"]) == 64
