"""Keep the evaluation sets apart from the training data, and from each other.

A test message that is also a training example (or nearly: "thats right" / "that's right")
measures memory, not understanding, and flatters the figures; so does a test message the
development set already showed while tuning. `make test` runs this check and fails on any
collision; `--drop` removes the colliding lines from the evaluation files (never from the
training data), keeping the first occurrence, so the check can be made to pass by cleaning the
sets rather than by loosening it.

What collides:
- an evaluation message and a training example whose folded texts (case, accents and
  punctuation ignored) are equal or at least `--threshold` similar (rapidfuzz's normalised
  Indel ratio, the one behind `fuzz.ratio`);
- two evaluation messages in different sets at that similarity (the later set loses it: the
  test sets come first, so the development set gives way), or the same text twice in one set;
- the same folded text with two different intents anywhere (a label conflict: one of them is
  wrong, and which one is a decision for a person, so `--drop` only reports these).

Runs in the Rasa environment (it reads the sets with Rasa's own loader):
`python -m nlu.leakage --training nlu/data/nlu --sets tests/nlu_blind tests/nlu_test tests/nlu_dev
tests/nlu_fresh`.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from nlu.components.text import fold, folded_key

DEFAULT_THRESHOLD = 90.0
#: every evaluation set, in the order collisions between them are resolved (a later set loses)
EVALUATION_SETS = (
    Path("tests/nlu_blind"),
    Path("tests/nlu_test"),
    Path("tests/nlu_dev"),
    Path("tests/nlu_fresh"),
)


@dataclass(frozen=True)
class Message:
    text: str
    intent: str
    path: Path
    key: str


@dataclass(frozen=True)
class Collision:
    message: Message
    other: Message
    similarity: float
    reason: str

    def describe(self) -> str:
        return (
            f"{self.message.path}: {self.message.text!r} ({self.message.intent}) {self.reason} "
            f"{self.other.path}: {self.other.text!r} ({self.other.intent}), "
            f"similarity {self.similarity:.0f}"
        )


def key_of(text: str) -> str:
    """The comparison key; an emoji-only message keeps its symbols rather than becoming ''."""
    return folded_key(text) or fold(text).strip()


def load(path: Path) -> list[Message]:
    from rasa.shared.nlu.training_data.loading import load_data

    files = sorted(path.rglob("*.yml")) if path.is_dir() else [path]
    out: list[Message] = []
    for file in files:
        for example in load_data(str(file)).intent_examples:
            text = example.get("text")
            out.append(Message(text, example.get("intent"), file, key_of(text)))
    return out


def collisions(
    training: list[Message], sets: list[list[Message]], threshold: float = DEFAULT_THRESHOLD
) -> list[Collision]:
    """Every evaluation message that repeats, or nearly repeats, one read before it."""
    found: list[Collision] = []
    train_keys = [m.key for m in training]
    earlier: list[Message] = []
    for messages in sets:
        in_this_set: dict[str, Message] = {}
        for message in messages:
            best = process.extractOne(
                message.key, train_keys, scorer=fuzz.ratio, score_cutoff=threshold
            )
            if best is not None:
                found.append(
                    Collision(message, training[best[2]], best[1], "is in the training data as")
                )
                continue
            if message.key in in_this_set:
                found.append(
                    Collision(message, in_this_set[message.key], 100.0, "is repeated from")
                )
                continue
            near = process.extractOne(
                message.key, [m.key for m in earlier], scorer=fuzz.ratio, score_cutoff=threshold
            )
            if near is not None:
                found.append(Collision(message, earlier[near[2]], near[1], "is near"))
                continue
            in_this_set[message.key] = message
        earlier.extend(in_this_set.values())
    return found


def label_conflicts(messages: list[Message]) -> list[Collision]:
    """The same folded text labelled with two intents: one label is wrong."""
    first: dict[str, Message] = {}
    found: list[Collision] = []
    for message in messages:
        other = first.setdefault(message.key, message)
        if other.intent != message.intent:
            found.append(Collision(message, other, 100.0, "has another label than"))
    return found


_EXAMPLE_LINE = re.compile(r"^(\s*)- (.*)$")


def drop(found: list[Collision]) -> int:
    """Remove each colliding evaluation line from its file, once; returns lines removed."""
    from rasa.shared.nlu.training_data.entities_parser import replace_entities

    by_file: dict[Path, list[str]] = {}
    for c in found:
        by_file.setdefault(c.message.path, []).append(c.message.text)
    removed = 0
    for path, texts in by_file.items():
        pending = list(texts)
        kept: list[str] = []
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
            match = _EXAMPLE_LINE.match(line.rstrip("\n"))
            if match:
                # the line's plain text, entity annotations resolved as Rasa reads them
                plain = replace_entities(match.group(2))
                if plain in pending:
                    pending.remove(plain)
                    removed += 1
                    continue
            kept.append(line)
        path.write_text("".join(kept), encoding="utf-8")
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--training", type=Path, default=Path("nlu/data/nlu"))
    parser.add_argument(
        "--sets",
        type=Path,
        nargs="+",
        default=list(EVALUATION_SETS),
    )
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--drop", action="store_true", help="remove the colliding lines")
    args = parser.parse_args(argv)

    training = load(args.training)
    sets = [load(path) for path in args.sets]
    found = collisions(training, sets, args.threshold)
    if args.drop and found:
        for c in found:
            print(f"dropping: {c.describe()}")
        print(f"removed {drop(found)} lines from the evaluation sets")
        sets = [load(path) for path in args.sets]
        found = collisions(training, sets, args.threshold)
    conflicts = label_conflicts(training + [m for s in sets for m in s])
    for c in found + conflicts:
        print(c.describe())
    evaluated = sum(len(s) for s in sets)
    print(
        f"{len(training)} training examples, {evaluated} evaluation messages: "
        f"{len(found)} collide (similarity >= {args.threshold:.0f}), "
        f"{len(conflicts)} label conflicts"
    )
    return 1 if found or conflicts else 0


if __name__ == "__main__":
    raise SystemExit(main())
