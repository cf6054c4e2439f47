"""Compare NLU pipelines on the same split: train each on nlu/data, score on the held-out set.

`make compare` writes reports/pipeline_comparison.md (and .json). Slow: it trains every config.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from nlu.evaluate import evaluate

COLUMNS = [
    ("intent_macro_f1", "macro-F1"),
    ("intent_macro_f1_by_language.es", "F1 es"),
    ("intent_macro_f1_by_language.en", "F1 en"),
    ("emergency_recall", "emergency recall"),
    ("corregimiento_value_accuracy", "place accuracy"),
    ("corregimiento_false_positive_messages", "false places"),
    ("language_accuracy_in_conversation", "language acc."),
    ("parse_ms_p50", "parse p50 ms"),
]


def _get(report: dict, dotted: str) -> object:
    value: object = report
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None  # type: ignore[union-attr]
    return value


def train(config: Path, data: Path, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(config), "--nlu", str(data),
         "--out", str(out), "--fixed-model-name", config.stem],
        check=True,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"},
    )  # fmt: skip
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--configs", type=Path, default=Path("nlu/configs"))
    parser.add_argument("--data", type=Path, default=Path("nlu/data"))
    parser.add_argument("--test-data", type=Path, default=Path("tests/nlu_heldout"))
    parser.add_argument("--out", type=Path, default=Path("reports"))
    args = parser.parse_args(argv)

    configs = [Path("config.yml"), *sorted(args.configs.glob("*.yml"))]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for config in configs:
            seconds = train(config, args.data, Path(tmp))
            report, _, _ = evaluate(Path(tmp) / f"{config.stem}.tar.gz", args.test_data)
            results.append(
                {"config": str(config), "train_seconds": round(seconds, 1), **asdict(report)}
            )

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "pipeline_comparison.json").write_text(json.dumps(results, indent=2) + "\n")
    header = "| config | train s | " + " | ".join(label for _, label in COLUMNS) + " |"
    lines = [
        "# NLU pipeline comparison",
        "",
        f"Same training data (`{args.data}`) and held-out set (`{args.test_data}`) for every config; "
        "`train s` is NLU training wall time on this machine (2 cores). Regenerate with `make compare`.",
        "",
        header,
        "|" + "---|" * (len(COLUMNS) + 2),
    ]
    for r in results:
        cells = [str(_get(r, key)) for key, _ in COLUMNS]
        lines.append(f"| `{r['config']}` | {r['train_seconds']} | " + " | ".join(cells) + " |")
    (args.out / "pipeline_comparison.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
