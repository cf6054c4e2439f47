"""The leakage check finds what would flatter the figures, and `--drop` cleans only the sets."""

from __future__ import annotations

from pathlib import Path

from nlu import leakage

TRAINING = """version: "3.1"
nlu:
- intent: affirm
  examples: |
    - that's right
    - sí claro
- intent: help
  examples: |
    - help me please 🙏
"""

TEST = """version: "3.1"
nlu:
- intent: affirm
  examples: |
    - thats right
    - SI CLARO
    - yes, do it
- intent: ask_health
  examples: |
    - donde me vacunan en [herrera]{"entity": "corregimiento", "value": "Herrera"}
"""

#: Rasa's reader merges a repeat inside one file; the check sees repeats across a set's files
TEST_ES = """version: "3.1"
nlu:
- intent: ask_health
  examples: |
    - donde me vacunan en herrera
"""

DEV = """version: "3.1"
nlu:
- intent: ask_health
  examples: |
    - dónde me vacunan en herrera?
    - necesito un dentista
"""


def _write(tmp_path: Path) -> tuple[Path, Path, Path]:
    (tmp_path / "train").mkdir()
    (tmp_path / "nlu_test").mkdir()
    (tmp_path / "nlu_dev").mkdir()
    train = tmp_path / "train" / "en.yml"
    test = tmp_path / "nlu_test" / "en_blind.yml"
    dev = tmp_path / "nlu_dev" / "es.yml"
    train.write_text(TRAINING, encoding="utf-8")
    test.write_text(TEST, encoding="utf-8")
    (test.parent / "es_blind.yml").write_text(TEST_ES, encoding="utf-8")
    dev.write_text(DEV, encoding="utf-8")
    return train.parent, test.parent, dev.parent


def test_collisions_are_near_duplicates_repeats_and_across_sets(tmp_path: Path) -> None:
    train, test, dev = _write(tmp_path)
    found = leakage.collisions(
        leakage.load(train), [leakage.load(test), leakage.load(dev)], threshold=90
    )
    described = {(c.message.text, c.reason) for c in found}
    assert described == {
        ("thats right", "is in the training data as"),  # punctuation folded away
        ("SI CLARO", "is in the training data as"),  # case and accents folded away
        ("donde me vacunan en herrera", "is repeated from"),
        ("dónde me vacunan en herrera?", "is near"),  # the development set gives way to the test
    }


def test_the_cli_fails_until_drop_cleans_the_sets_and_leaves_training_alone(
    tmp_path: Path,
) -> None:
    train, test, dev = _write(tmp_path)
    argv = ["--training", str(train), "--sets", str(test), str(dev)]
    assert leakage.main(argv) == 1
    assert leakage.main([*argv, "--drop"]) == 0
    assert leakage.main(argv) == 0
    assert (train / "en.yml").read_text(encoding="utf-8") == TRAINING
    kept = [m.text for m in leakage.load(test) + leakage.load(dev)]
    assert kept == ["yes, do it", "donde me vacunan en herrera", "necesito un dentista"]
    # the annotation survives on the line that was kept
    assert '"value": "Herrera"' in (test / "en_blind.yml").read_text(encoding="utf-8")


def test_a_label_conflict_fails(tmp_path: Path) -> None:
    train, test, dev = _write(tmp_path)
    (test / "en_blind.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: emergency\n  examples: |\n    - HELP ME, PLEASE!\n',
        encoding="utf-8",
    )
    # "help me please 🙏" in training: the emoji and the punctuation fold away
    conflicts = leakage.label_conflicts(leakage.load(train) + leakage.load(test))
    assert [(c.message.intent, c.other.intent) for c in conflicts] == [("emergency", "help")]
    assert leakage.main(["--training", str(train), "--sets", str(test), str(dev)]) == 1
