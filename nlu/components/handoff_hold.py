"""Rasa policy: while a caseworker has the case, the bot does not talk over them.

When the `handoff_open` slot is set (by action_open_handoff), every message the person writes
is answered by `action_handoff_hold` (a short note that the message waits for the caseworker,
or, once the case is closed, the bot taking over again) instead of by the usual rules. A few
intents pass through: an emergency still gets the numbers at once, and the person can still ask
what is kept, erase their data (and confirm it), leave the handoff ("ya no necesito") or switch
language. Its priority is above
RulePolicy's, so it wins a tie at full confidence; it says nothing in every other state.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

HOLD_ACTION = "action_handoff_hold"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class HandoffHoldPolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "priority": 7,  # RulePolicy is 6
            "slot": "handoff_open",
            "pass_through": [
                "emergency",
                "delete_my_data",
                "ask_privacy",
                "change_language",
                "cancel",
            ],
            # the answer to a question the bot itself just asked passes too: the "sí" that
            # confirms an erasure must reach the erasure rule, not the caseworker's queue
            # (the `question` slot is set only while the message can answer it)
            "question_slot": "question",
            "answers": ["affirm", "deny"],
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any = None,
    ) -> None:
        super().__init__(
            {**self.get_default_config(), **config},
            model_storage,
            resource,
            execution_context,
            featurizer,
        )

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        # nothing to learn: the behaviour is fixed, which is the point
        with self._model_storage.write_to(self._resource):
            pass
        return self._resource

    def _passes(self, tracker: DialogueStateTracker, intent: str | None) -> bool:
        if intent in self.config["pass_through"]:
            return True
        return (
            tracker.get_slot(self.config["question_slot"]) is not None
            and intent in self.config["answers"]
        )

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        if HOLD_ACTION not in domain.action_names_or_texts:
            return self._prediction(probabilities)
        if tracker.latest_action_name == HOLD_ACTION:
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        elif (
            tracker.latest_action_name == ACTION_LISTEN_NAME
            and tracker.get_slot(self.config["slot"]) is True
            and tracker.latest_message is not None
            and not self._passes(tracker, tracker.latest_message.intent.get("name"))
        ):
            probabilities[domain.index_for_action(HOLD_ACTION)] = 1.0
        return self._prediction(probabilities)
