"""HandoffHoldPolicy on real Rasa trackers: quiet while a caseworker has the case, except for
an emergency and the person's own rights (erasure, privacy, language)."""

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from nlu.components.handoff_hold import HOLD_ACTION, HandoffHoldPolicy

DOMAIN = Domain.load(str(Path(__file__).resolve().parents[2] / "domain.yml"))


@pytest.fixture(scope="module")
def policy(storage: LocalModelStorage, context: ExecutionContext) -> HandoffHoldPolicy:
    resource = Resource("hold")
    HandoffHoldPolicy.create({}, storage, resource, context).train([], DOMAIN)
    return HandoffHoldPolicy.load({}, storage, resource, context)


def predicted(
    policy: HandoffHoldPolicy, handoff_open: bool, intent: str, question: str | None = None
) -> str | None:
    tracker = DialogueStateTracker.from_events(
        "person",
        [
            ActionExecuted("action_listen"),
            SlotSet("handoff_open", handoff_open),
            SlotSet("question", question),
            UserUttered("texto", {"name": intent, "confidence": 0.99}),
        ],
    )
    prediction = policy.predict_action_probabilities(tracker, DOMAIN)
    if max(prediction.probabilities) == 0:
        return None
    return DOMAIN.action_names_or_texts[prediction.probabilities.index(1.0)]


@pytest.mark.parametrize("intent", ["ask_health", "help", "greet", "find_service", "nlu_fallback"])
def test_messages_wait_for_the_caseworker(policy: HandoffHoldPolicy, intent: str) -> None:
    assert predicted(policy, True, intent) == HOLD_ACTION


@pytest.mark.parametrize(
    "intent", ["emergency", "delete_my_data", "ask_privacy", "change_language", "cancel"]
)
def test_danger_and_rights_pass_through(policy: HandoffHoldPolicy, intent: str) -> None:
    assert predicted(policy, True, intent) is None


@pytest.mark.parametrize("intent", ["affirm", "deny"])
def test_the_answer_to_the_erasure_question_passes_through(
    policy: HandoffHoldPolicy, intent: str
) -> None:
    """The "sí" that confirms an erasure reaches the erasure rule, not the caseworker."""
    assert predicted(policy, True, intent, question="erasure") is None
    # and without the question pending, a yes waits for the caseworker like anything else
    assert predicted(policy, True, intent, question=None) == HOLD_ACTION


def test_without_a_handoff_the_policy_says_nothing(policy: HandoffHoldPolicy) -> None:
    assert predicted(policy, False, "ask_health") is None


def test_after_the_hold_the_bot_listens(policy: HandoffHoldPolicy) -> None:
    tracker = DialogueStateTracker.from_events(
        "person",
        [
            ActionExecuted("action_listen"),
            SlotSet("handoff_open", True),
            UserUttered("hola", {"name": "greet", "confidence": 0.99}),
            ActionExecuted(HOLD_ACTION),
        ],
    )
    prediction = policy.predict_action_probabilities(tracker, DOMAIN)
    assert DOMAIN.action_names_or_texts[prediction.probabilities.index(1.0)] == "action_listen"
    assert prediction.policy_priority > 6  # above RulePolicy
