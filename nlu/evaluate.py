"""Score a trained model on the evaluation sets, each on its own, and guard each figure.

Runs in the Rasa environment: `make eval` (or `python -m nlu.evaluate --model ...`).
The sets are Rasa NLU YAML files whose name starts with their language (`es_crisis.yml`),
in folders: `tests/nlu_blind/` (the headline) and `tests/nlu_test/`, written by people who
never saw the training data and only ever scored; `tests/nlu_fresh/`, a second blind set
written later, after the first one's errors had been looked at, so it alone is untouched by
that; and `tests/nlu_dev/`, the development set that pipelines and fixes are tuned on (so its
figures are validation figures). None is ever trained on, and `nlu.leakage` fails `make test`
when one of their messages is in, or near, the training data. The headline pools the blind
sets; every set is also scored alone, and `--guards` (nlu/guards.yml) holds a floor
(or, for false alarms, a ceiling) for each figure of each set. Exit status 1 when one is not met.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nlu.leakage import EVALUATION_SETS

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

EMERGENCY = "emergency"
PLACE = "corregimiento"


@dataclass
class Example:
    text: str
    language: str
    intent: str
    places: list[str]
    seen_in_training: bool = False
    test_set: str = ""
    # for an emergency, the hotline category the writer of the set expects (metadata)
    category: str | None = None


@dataclass
class Prediction:
    intent: str
    confidence: float
    places: list[str]
    language: str
    language_ambiguous: bool
    seconds: float
    # what the intent classifier said before the danger-phrase safety net, when it fired
    classifier_intent: str | None = None
    # the danger-phrase net's category, which picks the hotline
    category: str | None = None


@dataclass
class Report:
    model: str
    examples: int
    per_language_examples: dict[str, int]
    intent_macro_f1: float
    intent_macro_f1_by_language: dict[str, float]
    intent_accuracy: float
    emergency_recall: float
    emergency_recall_by_language: dict[str, float]
    emergency_precision: float
    fallback_rate: float
    corregimiento_messages: int
    corregimiento_value_accuracy: float
    corregimiento_false_positive_messages: int
    language_accuracy_in_conversation: float
    language_accuracy_decisive: float
    language_ambiguous_share: float
    language_accuracy_stateless: float
    parse_ms_p50: float
    parse_ms_p95: float
    seen_in_training: int = 0
    intent_macro_f1_unseen: float = float("nan")
    emergency_recall_unseen: float = float("nan")
    per_intent_f1: dict[str, float] = field(default_factory=dict)
    emergency_recall_classifier_only: float = float("nan")
    emergency_guard_catches: int = 0
    emergency_guard_false_alarms: int = 0
    per_set: dict[str, dict[str, float]] = field(default_factory=dict)
    false_alarm_rate: float = float("nan")
    test_sets: list[str] = field(default_factory=list)
    emergency_category_accuracy: float = float("nan")


#: Figures guarded per set; false alarms have a ceiling, the others a floor.
GUARDED = (
    "intent_macro_f1",
    "emergency_recall",
    "false_alarm_rate",
    "language_accuracy",
    "place_accuracy",
    "emergency_category_accuracy",
)
CEILINGS = frozenset({"false_alarm_rate"})


def set_name(path: Path) -> str:
    """`test/es_crisis` for tests/nlu_test/es_crisis.yml: the folder says which kind of set."""
    return f"{path.parent.name.removeprefix('nlu_')}/{path.stem}"


def load_examples(test_dirs: list[Path], training_dir: Path | None = None) -> list[Example]:
    """The evaluation messages; any also written, word for word, in the training data is marked
    (`nlu.leakage` keeps there from being any, and the report says if one slipped in)."""
    from rasa.shared.nlu.training_data.loading import load_data

    from nlu.components.text import folded_key

    seen: set[str] = set()
    if training_dir is not None:
        # an emoji-only message folds to nothing: it is compared as written
        seen = {
            folded_key(m.get("text")) or m.get("text")
            for m in load_data(str(training_dir)).intent_examples
        }
    examples: list[Example] = []
    paths = [p for d in test_dirs for p in (sorted(d.glob("*.yml")) if d.is_dir() else [d])]
    for path in paths:
        language = path.stem.split("_")[0]
        data = load_data(str(path))
        for message in data.intent_examples:
            places = sorted(e["value"] for e in message.get("entities", []) if e["entity"] == PLACE)
            text = message.get("text")
            category = ((message.get("metadata") or {}).get("example") or {}).get("category")
            examples.append(
                Example(
                    text,
                    language,
                    message.get("intent"),
                    places,
                    (folded_key(text) or text) in seen,
                    set_name(path),
                    str(category) if category else None,
                )
            )
    return examples


async def predict(model: Path, examples: list[Example]) -> list[Prediction]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    out: list[Prediction] = []
    for ex in examples:
        start = time.perf_counter()
        parsed: dict[str, Any] = await agent.parse_message(ex.text)
        elapsed = time.perf_counter() - start
        out.append(
            Prediction(
                intent=(parsed.get("intent") or {}).get("name") or "",
                confidence=float((parsed.get("intent") or {}).get("confidence") or 0.0),
                places=sorted(
                    e["value"] for e in parsed.get("entities", []) if e.get("entity") == PLACE
                ),
                language=parsed.get("language", "?"),
                language_ambiguous=bool(parsed.get("language_ambiguous", False)),
                seconds=elapsed,
                classifier_intent=(parsed.get("emergency_guard") or {}).get("classifier_intent"),
                category=(parsed.get("emergency_guard") or {}).get("category"),
            )
        )
    return out


def _macro_f1(gold: list[str], pred: list[str]) -> tuple[float, dict[str, float]]:
    from sklearn.metrics import f1_score

    labels = sorted(set(gold))
    scores = f1_score(gold, pred, labels=labels, average=None, zero_division=0)
    per = {label: round(float(s), 4) for label, s in zip(labels, scores)}
    return float(sum(scores) / len(scores)), per


def _recall(gold: list[str], pred: list[str], label: str) -> float:
    relevant = [p for g, p in zip(gold, pred) if g == label]
    return sum(p == label for p in relevant) / len(relevant) if relevant else float("nan")


def _category_accuracy(examples: list[Example], preds: list[Prediction]) -> float:
    """Of the emergencies whose set names a category, the share answered as an emergency with
    that category's hotline (a `cry_for_help` answered with the general numbers counts)."""
    pairs = [(e, p) for e, p in zip(examples, preds) if e.intent == EMERGENCY and e.category]
    if not pairs:
        return float("nan")
    right = sum(
        p.intent == EMERGENCY
        and (p.category == e.category or (e.category == "cry_for_help" and p.category is None))
        for e, p in pairs
    )
    return round(right / len(pairs), 4)


def set_figures(examples: list[Example], preds: list[Prediction]) -> dict[str, float]:
    """The guarded figures of one set. Language is judged with no context (an ambiguous
    message counts as Spanish, the fallback), the strictest reading; place accuracy is over
    the messages that name a place, and a place found where none was written is an error too."""
    gold = [e.intent for e in examples]
    pred = [p.intent for p in preds]
    classifier = [p.classifier_intent or p.intent for p in preds]
    not_emergency = [p for g, p in zip(gold, pred) if g != EMERGENCY]
    placed = [(e, p) for e, p in zip(examples, preds) if e.places or p.places]
    return {
        "examples": len(examples),
        "intent_macro_f1": round(_macro_f1(gold, pred)[0], 4),
        "emergency_recall": round(_recall(gold, pred, EMERGENCY), 4),
        "emergency_recall_classifier_only": round(_recall(gold, classifier, EMERGENCY), 4),
        "false_alarm_rate": round(
            sum(p == EMERGENCY for p in not_emergency) / len(not_emergency), 4
        )
        if not_emergency
        else float("nan"),
        "language_accuracy": round(
            sum(p.language == e.language for e, p in zip(examples, preds)) / len(examples), 4
        ),
        "place_accuracy": round(sum(e.places == p.places for e, p in placed) / len(placed), 4)
        if placed
        else float("nan"),
        "emergency_category_accuracy": _category_accuracy(examples, preds),
    }


def score(model: str, examples: list[Example], preds: list[Prediction]) -> Report:
    """The headline pools the blind sets (`blind/`, written from DESIGN.md's contract alone), else
    the test sets, else all sets; `per_set` has each set on its own."""
    per_set = {
        name: set_figures(
            [e for e in examples if e.test_set == name],
            [p for e, p in zip(examples, preds) if e.test_set == name],
        )
        for name in sorted({e.test_set for e in examples})
    }
    test_sets = [name for name in per_set if name.startswith("blind/")] or [
        name for name in per_set if name.startswith("test/")
    ]
    if test_sets:
        pairs = [(e, p) for e, p in zip(examples, preds) if e.test_set in test_sets]
        examples, preds = [e for e, _ in pairs], [p for _, p in pairs]
    gold = [e.intent for e in examples]
    pred = [p.intent for p in preds]
    macro, per_intent = _macro_f1(gold, pred)
    languages = sorted({e.language for e in examples})
    by_lang: dict[str, float] = {}
    emerg_by_lang: dict[str, float] = {}
    for lang in languages:
        idx = [i for i, e in enumerate(examples) if e.language == lang]
        by_lang[lang] = round(_macro_f1([gold[i] for i in idx], [pred[i] for i in idx])[0], 4)
        emerg_by_lang[lang] = round(
            _recall([gold[i] for i in idx], [pred[i] for i in idx], EMERGENCY), 4
        )
    predicted_emergency = [g for g, p in zip(gold, pred) if p == EMERGENCY]
    with_place = [(e, p) for e, p in zip(examples, preds) if e.places]
    without_place = [(e, p) for e, p in zip(examples, preds) if not e.places]
    decisive = [(e, p) for e, p in zip(examples, preds) if not p.language_ambiguous]
    in_conversation = [
        p.language_ambiguous or p.language == e.language for e, p in zip(examples, preds)
    ]
    ms = sorted(p.seconds * 1000 for p in preds)
    unseen = [i for i, e in enumerate(examples) if not e.seen_in_training]
    unseen_gold, unseen_pred = [gold[i] for i in unseen], [pred[i] for i in unseen]
    classifier = [p.classifier_intent or p.intent for p in preds]
    overridden = [
        (g, p) for g, p in zip(gold, preds) if p.classifier_intent not in (None, EMERGENCY)
    ]
    not_emergency = [p for g, p in zip(gold, pred) if g != EMERGENCY]
    return Report(
        model=model,
        examples=len(examples),
        per_language_examples=dict(Counter(e.language for e in examples)),
        intent_macro_f1=round(macro, 4),
        intent_macro_f1_by_language=by_lang,
        intent_accuracy=round(sum(g == p for g, p in zip(gold, pred)) / len(gold), 4),
        emergency_recall=round(_recall(gold, pred, EMERGENCY), 4),
        emergency_recall_by_language=emerg_by_lang,
        emergency_precision=round(
            sum(g == EMERGENCY for g in predicted_emergency) / max(1, len(predicted_emergency)), 4
        ),
        fallback_rate=round(sum(p == "nlu_fallback" for p in pred) / len(pred), 4),
        corregimiento_messages=len(with_place),
        corregimiento_value_accuracy=round(
            sum(e.places == p.places for e, p in with_place) / max(1, len(with_place)), 4
        ),
        corregimiento_false_positive_messages=sum(bool(p.places) for _, p in without_place),
        language_accuracy_in_conversation=round(sum(in_conversation) / len(examples), 4),
        language_accuracy_decisive=round(
            sum(p.language == e.language for e, p in decisive) / max(1, len(decisive)), 4
        ),
        language_ambiguous_share=round(1 - len(decisive) / len(examples), 4),
        language_accuracy_stateless=round(
            sum(p.language == e.language for e, p in zip(examples, preds)) / len(examples), 4
        ),
        parse_ms_p50=round(statistics.median(ms), 1),
        parse_ms_p95=round(ms[int(0.95 * (len(ms) - 1))], 1),
        seen_in_training=len(examples) - len(unseen),
        intent_macro_f1_unseen=round(_macro_f1(unseen_gold, unseen_pred)[0], 4),
        emergency_recall_unseen=round(_recall(unseen_gold, unseen_pred, EMERGENCY), 4),
        per_intent_f1=per_intent,
        emergency_recall_classifier_only=round(_recall(gold, classifier, EMERGENCY), 4),
        emergency_guard_catches=sum(g == EMERGENCY for g, _ in overridden),
        emergency_guard_false_alarms=sum(g != EMERGENCY for g, _ in overridden),
        per_set=per_set,
        false_alarm_rate=round(
            sum(p == EMERGENCY for p in not_emergency) / max(1, len(not_emergency)), 4
        ),
        test_sets=test_sets,
        emergency_category_accuracy=_category_accuracy(examples, preds),
    )


def confusion_picture(examples: list[Example], preds: list[Prediction], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    gold = [e.intent for e in examples]
    pred = [p.intent for p in preds]
    labels = sorted(set(gold) | set(pred))
    matrix = confusion_matrix(gold, pred, labels=labels)
    fig, ax = plt.subplots(figsize=(13, 11))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=70, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                color = "white" if matrix[i, j] > matrix.max() / 2 else "black"
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7, color=color)
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected (label in the set)")
    ax.set_title("Intent confusion matrix, test sets (es + en)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def errors_markdown(examples: list[Example], preds: list[Prediction]) -> str:
    lines = [
        "# Evaluation errors, every set",
        "",
        "| set | text | expected | predicted | places expected | places found |",
        "|---|---|---|---|---|---|",
    ]
    for e, p in zip(examples, preds):
        if e.intent != p.intent or e.places != p.places:
            text = e.text.replace("|", "\\|")
            lines.append(
                f"| {e.test_set} | {text} | {e.intent} | {p.intent} ({p.confidence:.2f}) | "
                f"{', '.join(e.places)} | {', '.join(p.places)} |"
            )
    return "\n".join(lines) + "\n"


def summary_markdown(r: Report) -> str:
    return f"""# NLU evaluation

Model `{r.model}`. The headline pools the {"blind" if r.test_sets and r.test_sets[0].startswith("blind/") else "test"} sets ({", ".join(f"`{s}`" for s in r.test_sets)}): {r.examples} messages ({", ".join(f"{k}: {v}" for k, v in sorted(r.per_language_examples.items()))}), written by people who had not seen the training data, never trained or tuned on. `dev/` sets are the development set the pipeline was tuned on: validation figures.

| measure | value |
|---|---|
| intent macro-F1 | **{r.intent_macro_f1:.4f}** |
| intent macro-F1, Spanish | {r.intent_macro_f1_by_language.get("es", float("nan")):.4f} |
| intent macro-F1, English | {r.intent_macro_f1_by_language.get("en", float("nan")):.4f} |
| intent accuracy | {r.intent_accuracy:.4f} |
| intent macro-F1 without the {r.seen_in_training} messages also in the training data | {r.intent_macro_f1_unseen:.4f} |
| emergency recall | **{r.emergency_recall:.4f}** (es {r.emergency_recall_by_language.get("es", float("nan")):.4f}, en {r.emergency_recall_by_language.get("en", float("nan")):.4f}) |
| emergency recall without messages also in the training data | {r.emergency_recall_unseen:.4f} |
| emergency recall of the intent classifier alone (without the danger-phrase net) | {r.emergency_recall_classifier_only:.4f} |
| emergencies the danger-phrase net caught / non-emergencies it turned into emergency | {r.emergency_guard_catches} / {r.emergency_guard_false_alarms} |
| emergency precision | {r.emergency_precision:.4f} |
| false alarm rate (non-emergencies taken for emergencies) | **{r.false_alarm_rate:.4f}** |
| emergencies answered with the hotline of their category | {r.emergency_category_accuracy:.4f} |
| nlu_fallback rate | {r.fallback_rate:.4f} |
| corregimiento value accuracy | **{r.corregimiento_value_accuracy:.4f}** on {r.corregimiento_messages} messages naming a place |
| messages with a place found where none was written | {r.corregimiento_false_positive_messages} |
| language accuracy in a conversation | **{r.language_accuracy_in_conversation:.4f}** (ambiguous messages keep the conversation's language) |
| language accuracy on decisive messages | {r.language_accuracy_decisive:.4f} |
| share of messages judged ambiguous | {r.language_ambiguous_share:.4f} |
| language accuracy with no context (ambiguous = "es") | {r.language_accuracy_stateless:.4f} |
| parse time p50 / p95 (in process) | {r.parse_ms_p50} ms / {r.parse_ms_p95} ms |

Each set on its own (the figures `nlu/guards.yml` guards; language with no context):

| set | messages | macro-F1 | emergency recall | classifier alone | false alarms | hotline category | language | places |
|---|---|---|---|---|---|---|---|---|
{chr(10).join(f"| `{k}` | {v['examples']} | {v['intent_macro_f1']:.4f} | {v['emergency_recall']:.4f} | {v['emergency_recall_classifier_only']:.4f} | {v['false_alarm_rate']:.4f} | {v['emergency_category_accuracy']:.4f} | {v['language_accuracy']:.4f} | {v['place_accuracy']:.4f} |" for k, v in r.per_set.items())}

Per-intent F1: {", ".join(f"{k} {v:.2f}" for k, v in r.per_intent_f1.items())}.

Confusion matrix: `confusion_matrix.png`; every error: `nlu_errors.md`.
"""


def evaluate(
    model: Path, test_dirs: list[Path], training_dir: Path | None = Path("nlu/data/nlu")
) -> tuple[Report, list[Example], list[Prediction]]:
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's debug lines would print every message text
    examples = load_examples(test_dirs, training_dir)
    preds = asyncio.run(predict(model, examples))
    return score(str(model), examples, preds), examples, preds


def check_guards(report: Report, guards: dict[str, dict[str, float]]) -> list[str]:
    """Each guarded figure of each set against its floor (or ceiling); a set or a figure the
    guards name but the report lacks fails too, so a renamed set cannot slip past."""
    failures = []
    for name, floors in guards.items():
        figures = report.per_set.get(name)
        if figures is None:
            failures.append(f"{name}: no such set was scored")
            continue
        for figure, bound in floors.items():
            value = figures.get(figure)
            if value is None or value != value:  # missing or NaN
                failures.append(f"{name}: {figure} was not measured")
            elif figure in CEILINGS and value > bound:
                failures.append(f"{name}: {figure} {value} > {bound}")
            elif figure not in CEILINGS and value < bound:
                failures.append(f"{name}: {figure} {value} < {bound}")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument(
        "--test-data",
        type=Path,
        nargs="+",
        default=list(EVALUATION_SETS),
        help="folders (or files) of sets; `nlu_blind` (else `nlu_test`) makes the headline",
    )
    parser.add_argument("--out", type=Path, default=Path("reports"))
    parser.add_argument("--guards", type=Path, default=None, help="nlu/guards.yml")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    report, examples, preds = evaluate(args.model, args.test_data)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "nlu_eval.json").write_text(json.dumps(asdict(report), indent=2) + "\n")
    (args.out / "nlu_eval.md").write_text(summary_markdown(report))
    (args.out / "nlu_errors.md").write_text(errors_markdown(examples, preds))
    tested = [(e, p) for e, p in zip(examples, preds) if e.test_set in report.test_sets]
    confusion_picture(
        [e for e, _ in tested], [p for _, p in tested], args.out / "confusion_matrix.png"
    )
    print(summary_markdown(report))

    failures = []
    if args.guards is not None:
        import yaml

        failures = check_guards(report, yaml.safe_load(args.guards.read_text())["sets"])
    if report.seen_in_training:
        failures.append(f"{report.seen_in_training} test messages are in the training data")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    if args.guards is not None and not failures:
        print(f"every guard in {args.guards} is met")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
