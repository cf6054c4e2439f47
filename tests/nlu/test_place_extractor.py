import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu.components.place_extractor import PlaceEntityExtractor


def places(extractor: PlaceEntityExtractor, text: str) -> list[tuple[str, str]]:
    message = Message.build(text=text)
    extractor.process([message])
    return [(text[e["start"] : e["end"]], e["value"]) for e in message.get("entities", [])]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("las mananitas", [("las mananitas", "Las Mañanitas")]),
        ("vivo en amelia denis", [("amelia denis", "Amelia Denis de Icaza")]),
        ("b. balboa", [("b. balboa", "Barrio Balboa")]),
        ("omar torrijo", [("omar torrijo", "Omar Torrijos")]),
        ("Bº Colón", [("Bº Colón", "Barrio Colón")]),
        ("BARRIO COLON", [("BARRIO COLON", "Barrio Colón")]),
        ("donde me vacunan en herera?", [("herera", "Herrera")]),
        ("necesito chamba cerca de tocuman", [("tocuman", "Tocumen")]),
        (
            "i live in omar torijos near barrio balboa",
            [("omar torijos", "Omar Torrijos"), ("barrio balboa", "Barrio Balboa")],
        ),
        ("cerca de amelia deniz", [("amelia deniz", "Amelia Denis de Icaza")]),
        ("vivo en hurtado", [("hurtado", "Hurtado")]),
        ("vivo en los diaz", [("los diaz", "Los Díaz")]),
        ("trabajo en la exposicion", [("la exposicion", "Calidonia")]),
    ],
)
def test_places_are_found_and_normalised(
    place_extractor: PlaceEntityExtractor, text: str, expected: list[tuple[str, str]]
) -> None:
    assert places(place_extractor, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "me han hurtado el celular",  # "hurtado" = stolen: needs a place cue
        "el 24 de diciembre me robaron",  # a date, not the corregimiento
        "soy herrero",  # one letter from Herrera, no place cue
        "a mi hermano lo mataron las maras",  # gangs, not Las Garzas: articles are not typos
        "lloro todos los dias",  # one letter from Los Díaz
        "en los dias de semana trabajo",  # a cue, but "los dias" is not written "los diaz"
        "colon",  # Colón is a province and a city, not Barrio Colón
        "balboa",  # an avenue and the currency
        "mi hija amelia esta enferma",  # a name
        "necesito ayuda con mis papeles",
        "",
    ],
)
def test_no_wrong_guess(place_extractor: PlaceEntityExtractor, text: str) -> None:
    assert places(place_extractor, text) == []


def test_other_extractors_values_for_the_entity_are_replaced(
    place_extractor: PlaceEntityExtractor,
) -> None:
    message = Message.build(text="vivo en herera")
    message.set(
        "entities",
        [
            {
                "entity": "corregimiento",
                "value": "herera",
                "start": 8,
                "end": 14,
                "extractor": "DIETClassifier",
            }
        ],
    )
    place_extractor.process([message])
    assert [(e["value"], e["extractor"]) for e in message.get("entities")] == [
        ("Herrera", "PlaceEntityExtractor")
    ]


def test_a_long_message_is_handled(place_extractor: PlaceEntityExtractor) -> None:
    text = ("necesito ayuda con los papeles de mi familia " * 115) + "vivimos en las mananitas"
    assert len(text) > 5000
    assert places(place_extractor, text)[-1] == ("las mananitas", "Las Mañanitas")
