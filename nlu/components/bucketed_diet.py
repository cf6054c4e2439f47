"""Rasa's DIETClassifier, trained on batches of messages of about the same length.

Why: DIET pads every batch to its longest message. Our messages have a median of 8 tokens, but
the training data holds some 35 long ones (several needs in one message, 60 to 100 tokens) so
that long messages are understood; spread at random, one of them lands in most batches and the
transformer then works on about 6.5 times the tokens there are (measured on nlu/data: 527,778
padded token slots an epoch for 80,867 real ones). Training took 34 minutes, most of it DIET.

What: after Rasa shuffles (and balances) the epoch, each pool of `length_pool_batches`
consecutive batches is sorted by length and cut into batches again, and those batches are
shuffled within the pool. Every example is still seen once an epoch, a batch still draws from
a random pool of the epoch, and the order stays a function of the seed (numpy's generator,
which Rasa seeds). With a pool of 8 batches the padded work falls by 2.3 to 3.2 times.

How it is wired: DIETClassifier builds its data generator inside `train` through
`rasa.utils.train_utils.create_data_generators`, which names `RasaBatchDataGenerator`; `train`
here swaps that one name for the bucketed generator for the length of the call (Rasa trains
components one after another). Prediction is DIET's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils import train_utils
from rasa.utils.tensorflow.constants import SEQUENCE_LENGTH
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import Data, RasaModelData

DEFAULT_POOL_BATCHES = 8


def bucketed_order(
    lengths: np.ndarray, batch_size: int, pool_batches: int, rng: Any = np.random
) -> np.ndarray:
    """A permutation of range(len(lengths)): pools of `pool_batches * batch_size` consecutive
    positions, each sorted by length (stable, so ties keep the shuffled order), cut into
    batches whose order within the pool is shuffled by `rng` (a short last batch stays last)."""
    if batch_size < 1 or pool_batches < 1:
        raise ValueError("batch_size and pool_batches must be at least 1")
    lengths = np.asarray(lengths).reshape(len(lengths))
    pool = batch_size * pool_batches
    order: list[np.ndarray] = []
    for start in range(0, len(lengths), pool):
        ids = np.arange(start, min(start + pool, len(lengths)))
        ids = ids[np.argsort(lengths[ids], kind="stable")]
        batches = [ids[i : i + batch_size] for i in range(0, len(ids), batch_size)]
        # only the epoch's last pool can end in a short batch: it stays last, since the
        # generator cuts batches at multiples of batch_size and a short one moved forward
        # would shift every cut after it
        short = [batches.pop()] if len(batches[-1]) < batch_size else []
        for b in rng.permutation(len(batches)):
            order.append(batches[b])
        order.extend(short)
    return np.concatenate(order) if order else np.arange(0)


class LengthBucketedBatchGenerator(RasaBatchDataGenerator):
    """Rasa's batch generator, with each epoch's order bucketed by message length."""

    def __init__(self, *args: Any, pool_batches: int = DEFAULT_POOL_BATCHES, **kwargs: Any):
        # set before Rasa's __init__, which prepares the first epoch
        self.pool_batches = pool_batches
        super().__init__(*args, **kwargs)

    def _shuffle_and_balance(self, batch_size: int) -> Data:
        data = super()._shuffle_and_balance(batch_size)
        lengths = data.get(TEXT, {}).get(SEQUENCE_LENGTH)
        if not lengths:
            return data
        order = bucketed_order(lengths[0], batch_size, self.pool_batches)
        return RasaModelData._data_for_ids(data, order)


@contextmanager
def _bucketed_generators(pool_batches: int) -> Iterator[None]:
    original = train_utils.RasaBatchDataGenerator
    train_utils.RasaBatchDataGenerator = partial(  # type: ignore[misc]
        LengthBucketedBatchGenerator, pool_batches=pool_batches
    )
    try:
        yield
    finally:
        train_utils.RasaBatchDataGenerator = original  # type: ignore[misc]


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
        DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    ],
    is_trainable=True,
)
class BucketedDIETClassifier(DIETClassifier):
    """DIETClassifier whose training batches hold messages of about the same length."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        config: dict[str, Any] = DIETClassifier.get_default_config()
        config["length_pool_batches"] = DEFAULT_POOL_BATCHES
        return config

    def train(self, training_data: TrainingData) -> Resource:
        with _bucketed_generators(int(self.component_config["length_pool_batches"])):
            return super().train(training_data)
