import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message

from nlu.components.lemma_tokenizer import BilingualLemmaTokenizer


@pytest.fixture(scope="module")
def tokenizer(storage: LocalModelStorage, context: ExecutionContext) -> BilingualLemmaTokenizer:
    return BilingualLemmaTokenizer.create({}, storage, Resource("tokens"), context)


def lemmas(tokenizer: BilingualLemmaTokenizer, text: str, language: str) -> list[str]:
    message = Message.build(text=text)
    message.set("language", language)
    return [t.lemma for t in tokenizer.tokenize(message, "text")]


def test_spanish_words_get_spanish_lemmas_even_without_accents(
    tokenizer: BilingualLemmaTokenizer,
) -> None:
    assert lemmas(tokenizer, "donde vacunan a los niños", "es") == [
        "donde",
        "vacunar",
        "a",
        "los",
        "nino",
    ]
    assert lemmas(tokenizer, "necesito mis papeles", "es") == ["necesitar", "mis", "papel"]


def test_english_words_get_english_lemmas(tokenizer: BilingualLemmaTokenizer) -> None:
    assert lemmas(tokenizer, "I needed doctors", "en") == ["i", "need", "doctor"]


def test_unknown_words_and_languages_keep_the_folded_word(
    tokenizer: BilingualLemmaTokenizer,
) -> None:
    assert lemmas(tokenizer, "Chamba", "xx") == ["chamba"]
