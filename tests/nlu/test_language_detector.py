import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu.components.language_detector import LanguageDetector
from nlu.components.place_extractor import PlaceEntityExtractor


def detect(
    detector: LanguageDetector, text: str, extractor: PlaceEntityExtractor | None = None
) -> tuple[str, bool]:
    message = Message.build(text=text)
    if extractor:
        extractor.process([message])
    detector.process([message])
    return message.get("language"), message.get("language_ambiguous")


@pytest.mark.parametrize(
    "text",
    [
        "necesito ayuda con mis papeles",
        "q hago si se me vencio el pasaporte",
        "donde consigo chamba pana",
        "mi jefe no me quiere pagar",
        "estoy muy triste y no puedo dormir",
    ],
)
def test_spanish(language_detector: LanguageDetector, text: str) -> None:
    assert detect(language_detector, text) == ("es", False)


@pytest.mark.parametrize(
    "text",
    [
        "i need help with my papers",
        "where i can find doctor for my baby",
        "how do I apply for asylum",
        "my boss dont pay me",
        "i feel very sad and cant sleep",
    ],
)
def test_english(language_detector: LanguageDetector, text: str) -> None:
    assert detect(language_detector, text) == ("en", False)


@pytest.mark.parametrize("text", ["ok", "🙏", "123", "  ", "Carlos", "carnet", "MITRADEL"])
def test_too_short_to_tell_is_ambiguous(language_detector: LanguageDetector, text: str) -> None:
    language, ambiguous = detect(language_detector, text)
    assert ambiguous and language == "es"  # the default; the conversation keeps its own


def test_a_place_name_alone_says_nothing_about_the_language(
    language_detector: LanguageDetector, place_extractor: PlaceEntityExtractor
) -> None:
    assert detect(language_detector, "Herrera", place_extractor)[1] is True
    assert detect(language_detector, "Barrio Colón", place_extractor)[1] is True


def test_place_names_do_not_make_english_look_spanish(
    language_detector: LanguageDetector, place_extractor: PlaceEntityExtractor
) -> None:
    assert detect(language_detector, "i live in las mañanitas", place_extractor) == ("en", False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("la chorrera", ("es", True)),
        ("i live in san miguelito", ("en", False)),
        ("vivo en la chorrera", ("es", False)),
    ],
)
def test_distritos_are_place_names_too(
    language_detector: LanguageDetector, text: str, expected: tuple[str, bool]
) -> None:
    assert detect(language_detector, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "hi",
        "hello",
        "hey",
        "yes",
        "yes please",
        "agent",
        "help",
        "thanks",
        "bye",
        "need job",
        "visa expired",
        "nah",
        "not now",
        "hi im Carlos",
        "my name is Ana Sofía, i need help",
    ],
)
def test_short_english_is_english(language_detector: LanguageDetector, text: str) -> None:
    # lingua alone reads "hello" and "agent" as Spanish and is unsure of "hi" and "yes"
    assert detect(language_detector, text) == ("en", False)


@pytest.mark.parametrize(
    "text", ["hola", "si", "gracias", "buenas", "dale", "porfa", "hola soy Carlos", "ayuda"]
)
def test_short_spanish_is_spanish(language_detector: LanguageDetector, text: str) -> None:
    assert detect(language_detector, text) == ("es", False)


@pytest.mark.parametrize(
    "text",
    [
        "i need my carnet",
        "where is MITRADEL office",
        "how do i know my corregimiento",
        "I want to go home to Colombia, can IOM help me?",
        "my name is José Luis Pérez and i need a lawyer",
    ],
)
def test_loanwords_and_names_do_not_make_english_spanish(
    language_detector: LanguageDetector, text: str
) -> None:
    assert detect(language_detector, text) == ("en", False)


def test_the_confidence_travels_in_the_parse(language_detector: LanguageDetector) -> None:
    sure, unsure = Message.build(text="where can i see a doctor"), Message.build(text="ok")
    language_detector.process([sure, unsure])
    assert sure.get("language_confidence") >= 0.9
    assert unsure.get("language_confidence") == 0.5 and unsure.get("language_ambiguous")
