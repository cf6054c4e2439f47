"""DIET trained on length-bucketed batches: every example once an epoch, less padding, the
same seed giving the same order, and a model that still classifies."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils import train_utils

from nlu.components import bucketed_diet
from nlu.components.bucketed_diet import BucketedDIETClassifier, bucketed_order


def padded_slots(lengths: np.ndarray, order: np.ndarray, batch_size: int) -> int:
    """Token positions DIET computes for an epoch: each batch is padded to its longest."""
    ordered = lengths[order]
    return sum(
        int(ordered[i : i + batch_size].max()) * len(ordered[i : i + batch_size])
        for i in range(0, len(ordered), batch_size)
    )


def lengths_like_ours(n: int = 2000, seed: int = 0) -> np.ndarray:
    """Mostly short messages and a few long ones, as in nlu/data (median 8, some 60-100)."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(2, 16, size=n)
    lengths[rng.choice(n, size=n // 200, replace=False)] = rng.integers(60, 100, size=n // 200)
    return lengths


def test_the_order_is_a_permutation_with_each_pool_sorted_by_length() -> None:
    lengths = lengths_like_ours()
    order = bucketed_order(lengths, batch_size=64, pool_batches=8, rng=np.random.RandomState(1))
    assert sorted(order.tolist()) == list(range(len(lengths)))
    pool = 64 * 8
    for start in range(0, len(lengths), pool):
        chunk = order[start : start + pool]
        # a pool only reorders its own positions
        assert set(chunk.tolist()) == set(range(start, min(start + pool, len(lengths))))
        # each batch is a run of the pool's length order: no batch overlaps another's lengths
        batches = [lengths[chunk[i : i + 64]] for i in range(0, len(chunk), 64)]
        spans = sorted((int(b.min()), int(b.max())) for b in batches)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_bucketing_cuts_the_padding_and_a_bigger_pool_cuts_more() -> None:
    lengths = lengths_like_ours()
    plain = padded_slots(lengths, np.arange(len(lengths)), 64)
    by_8 = padded_slots(lengths, bucketed_order(lengths, 64, 8, np.random.RandomState(1)), 64)
    by_32 = padded_slots(lengths, bucketed_order(lengths, 64, 32, np.random.RandomState(1)), 64)
    assert by_32 < by_8 < plain / 1.5


def test_the_same_seed_gives_the_same_order_and_another_seed_another() -> None:
    lengths = lengths_like_ours()
    first = bucketed_order(lengths, 64, 8, np.random.RandomState(7))
    assert np.array_equal(first, bucketed_order(lengths, 64, 8, np.random.RandomState(7)))
    assert not np.array_equal(first, bucketed_order(lengths, 64, 8, np.random.RandomState(8)))


def test_a_pool_larger_than_the_data_and_bad_sizes() -> None:
    lengths = np.array([5, 1, 3])
    order = bucketed_order(lengths, batch_size=2, pool_batches=100, rng=np.random.RandomState(0))
    assert sorted(order.tolist()) == [0, 1, 2]
    assert bucketed_order(np.array([], dtype=int), 4, 2).size == 0
    with pytest.raises(ValueError):
        bucketed_order(lengths, batch_size=0, pool_batches=2)


EXAMPLES = {
    "greet": ["hola", "buenas", "hello there", "hi", "buenos dias", "hey"],
    "ask_health": [
        "necesito un medico para mi hijo que tiene fiebre desde ayer y no se donde ir",
        "where is a clinic",
        "i need a doctor",
        "donde me vacunan",
        "my wife is pregnant and we need a check up but we have no insurance and little money",
        "hospital cerca",
    ],
}


def training_data() -> TrainingData:
    messages = [
        Message.build(text=text, intent=intent)
        for intent, texts in EXAMPLES.items()
        for text in texts
    ]
    data = TrainingData(messages)
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process_training_data(data)
    return data


def test_diet_trains_on_bucketed_batches_and_classifies(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = LocalModelStorage(tmp_path)  # type: ignore[arg-type]
    context = ExecutionContext(graph_schema=None, model_id="t")  # type: ignore[arg-type]
    data = training_data()
    featurizer = CountVectorsFeaturizer.create(
        CountVectorsFeaturizer.get_default_config(), storage, Resource("cvf"), context
    )
    featurizer.train(data)
    featurizer.process_training_data(data)

    epochs_seen: list[list[int]] = []
    original = bucketed_diet.LengthBucketedBatchGenerator._shuffle_and_balance

    def spy(self: bucketed_diet.LengthBucketedBatchGenerator, batch_size: int) -> object:
        shuffled = original(self, batch_size)
        epochs_seen.append([int(x) for x in shuffled["text"]["sequence_lengths"][0]])
        return shuffled

    monkeypatch.setattr(bucketed_diet.LengthBucketedBatchGenerator, "_shuffle_and_balance", spy)
    rasa_create = train_utils.create_data_generators
    rasa_generator = train_utils.RasaBatchDataGenerator
    config = {
        **BucketedDIETClassifier.get_default_config(),
        "epochs": 20,
        "batch_size": 4,
        "length_pool_batches": 2,
        "entity_recognition": False,
        "random_seed": 7,
    }
    diet = BucketedDIETClassifier.create(config, storage, Resource("diet"), context)
    diet.train(data)

    # Rasa's function is back once training is over
    assert train_utils.create_data_generators is rasa_create
    assert train_utils.RasaBatchDataGenerator is rasa_generator
    # every epoch showed each example once, in pools of 2 batches sorted by length
    assert len(epochs_seen) >= 20
    for seen in epochs_seen:
        assert len(seen) == len(data.intent_examples)
        for start in range(0, len(seen), 8):
            batches = [seen[i : i + 4] for i in range(start, min(start + 8, len(seen)), 4)]
            spans = sorted((min(b), max(b)) for b in batches)
            assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))

    test = [Message.build(text="hola buenas"), Message.build(text="need a doctor for fever")]
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process(test)
    featurizer.process(test)
    diet.process(test)
    assert [m.get("intent")["name"] for m in test] == ["greet", "ask_health"]
