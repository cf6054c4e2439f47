"""Compare NLU pipelines, each trained with several seeds, on the same sets.

`make compare` writes reports/pipeline_comparison.md (and .json). Pipelines are chosen on the
development set (`dev/`); the test sets are scored too, only to see the spread. A model's
figures move with its seed, so one run says little: every config is trained with each of
`--seeds` and the table gives the worst and best seed. The guards in nlu/guards.yml sit below
config.yml's worst seed on every set, not below its best run. Slow: it trains every config
once per seed (`--main-only` trains config.yml alone).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml

from nlu.evaluate import CEILINGS, GUARDED, evaluate

#: the figures of a set that the spread table shows, as in the guards
SPREAD = GUARDED

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


def with_seed(config: Path, seed: int, out: Path) -> Path:
    """A copy of the config in which every component and policy that takes a seed has this one."""
    data: dict[str, Any] = yaml.safe_load(config.read_text(encoding="utf-8"))
    for part in (*data.get("pipeline", []), *(data.get("policies") or [])):
        if "random_seed" in part:
            part["random_seed"] = seed
    path = out / f"{config.stem}-seed{seed}.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def train(config: Path, data: Path, out: Path) -> float:
    """`rasa train` as `make train` runs it (domain and stories too: the domain's intents and the
    stories' messages change what DIET learns), so seed 7 here is the model `make eval` scores."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--config", str(config), "--domain", "domain.yml",
         "--data", str(data), "--out", str(out), "--fixed-model-name", config.stem],
        check=True,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"},
    )  # fmt: skip
    return time.perf_counter() - start


def spread(runs: list[dict[str, Any]]) -> dict[str, dict[str, tuple[float, float]]]:
    """Per set and figure, the worst and the best seed (for false alarms, worst is highest)."""
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for name in runs[0]["per_set"]:
        out[name] = {}
        for figure in SPREAD:
            values = [r["per_set"][name][figure] for r in runs]
            values = [v for v in values if not math.isnan(v)]
            if values:
                worst, best = (max, min) if figure in CEILINGS else (min, max)
                out[name][figure] = (worst(values), best(values))
    return out


#: how far under config.yml's worst seed each floor sits: every seed passes, and a regression
#: past the seeds' own spread fails (on the small crisis sets one message is 2.3 points)
GUARD_MARGIN = 0.01


def guards(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per set, a floor under the worst seed (a ceiling over it for false alarms)."""
    out: dict[str, dict[str, float]] = {}
    for name, figures in spread(runs).items():
        out[name] = {}
        for figure, (worst, _best) in figures.items():
            if figure in CEILINGS:
                out[name][figure] = round(math.ceil((worst + GUARD_MARGIN) * 1000) / 1000, 3)
            else:
                out[name][figure] = round(math.floor((worst - GUARD_MARGIN) * 1000) / 1000, 3)
    return out


GUARDS_HEADER = """\
# Floors (and, for false_alarm_rate, ceilings) of every figure of every evaluation set, checked
# by `make eval`. Written by `python -m nlu.compare --main-only --write-guards nlu/guards.yml`:
# config.yml trained with seeds {seeds}, each floor {margin} under the worst seed: any seed
# passes; a regression past the seeds' own spread and a point fails. Training is
# deterministic (Makefile, DETERMINISTIC), so CI measures exactly the figures of
# reports/nlu_eval.md. Lower a floor only with a reason in the commit that does it.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--configs", type=Path, default=Path("nlu/configs"))
    parser.add_argument("--main-only", action="store_true", help="config.yml alone")
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9])
    parser.add_argument("--data", type=Path, default=Path("nlu/data"))
    parser.add_argument(
        "--test-data", type=Path, nargs="+", default=[Path("tests/nlu_test"), Path("tests/nlu_dev")]
    )
    parser.add_argument("--out", type=Path, default=Path("reports"))
    parser.add_argument("--write-guards", type=Path, default=None, help="e.g. nlu/guards.yml")
    args = parser.parse_args(argv)

    configs = [Path("config.yml")]
    if not args.main_only:
        configs += sorted(args.configs.glob("*.yml"))
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for config in configs:
            for seed in args.seeds:
                seeded = with_seed(config, seed, Path(tmp))
                seconds = train(seeded, args.data, Path(tmp))
                report, _, _ = evaluate(Path(tmp) / f"{seeded.stem}.tar.gz", args.test_data)
                results.append(
                    {"config": str(config), "seed": seed, "train_seconds": round(seconds, 1),
                     **asdict(report)}
                )  # fmt: skip

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "pipeline_comparison.json").write_text(json.dumps(results, indent=2) + "\n")
    header = (
        "| config | seed | train s | dev macro-F1 | "
        + " | ".join(label for _, label in COLUMNS)
        + " |"
    )
    lines = [
        "# NLU pipeline comparison",
        "",
        f"Same training data (`{args.data}`) and sets ({', '.join(f'`{t}`' for t in args.test_data)}) "
        f"for every config, each trained with seeds {', '.join(map(str, args.seeds))}; "
        "`train s` is training wall time (`rasa train`, NLU and dialogue) on this machine (2 cores), with the deterministic "
        "settings of `make train`. Pipelines are chosen on the development set (`dev macro-F1`, the "
        "mean of `dev/es` and `dev/en`); the other columns pool the test sets. Regenerate with "
        "`make compare`.",
        "",
        header,
        "|" + "---|" * (len(COLUMNS) + 4),
    ]
    for r in results:
        dev = [v["intent_macro_f1"] for k, v in r["per_set"].items() if k.startswith("dev/")]
        dev_f1 = round(sum(dev) / len(dev), 4) if dev else float("nan")
        cells = [str(_get(r, key)) for key, _ in COLUMNS]
        lines.append(
            f"| `{r['config']}` | {r['seed']} | {r['train_seconds']} | {dev_f1} | "
            + " | ".join(cells) + " |"
        )  # fmt: skip
    for config in configs:
        runs = [r for r in results if r["config"] == str(config)]
        lines += [
            "",
            f"## `{config}`: worst / best seed per set",
            "",
            "| set | " + " | ".join(SPREAD) + " |",
            "|---|" + "---|" * len(SPREAD),
        ]
        for name, figures in spread(runs).items():
            cells = [
                f"{figures[f][0]:.4f} / {figures[f][1]:.4f}" if f in figures else "n/a"
                for f in SPREAD
            ]
            lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    (args.out / "pipeline_comparison.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if args.write_guards is not None:
        main_runs = [r for r in results if r["config"] == "config.yml"]
        header = GUARDS_HEADER.format(seeds=", ".join(map(str, args.seeds)), margin=GUARD_MARGIN)
        body = yaml.safe_dump({"sets": guards(main_runs)}, sort_keys=True)
        args.write_guards.write_text(header + body, encoding="utf-8")
        print(f"guards written to {args.write_guards}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
