"""`make bench`: the figures of docs/benchmarks.md, each beside its baseline, in one run.

What is measured, and against what:

* **NLU** on the blind sets (nlu/evaluate.py): our pipeline (models/current.tar.gz, never
  retrained here) against Rasa's default pipeline (nlu/configs/rasa_default.yml, what `rasa
  init` writes), trained on the same nlu/data; training time and model size of both. The
  baseline model is cached under var/bench/ by a hash of its config and data.
* **REST latency** p50/p95/p99 and throughput at 1, 8 and 32 conversations at once, through
  tools/load.py, for the embedded profile (one Rasa, `make run`), the production profile (two
  replicas behind HAProxy on PostgreSQL and Redis, `make run-production`) and, as the ceiling,
  a trivial one-intent bot (tools/bench_trivial/) on one Rasa; then the full load test, 200
  conversations of 10 messages, on both profiles.
* **SANIC_WORKERS** 1 against 2 on one Rasa with the Redis lock store (8 at once).
* **Memory**: the resident set of each process of each stack, after its load.
* **Start**: from starting the embedded stack (model present) to the first answer.
* **Directory search** at 1k, 10k and 100k services (tools/bench_directory.py).

`python -m tools.bench --out docs/benchmarks.md` (`BENCH=latency,load make bench` runs parts).
It needs the machine's PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL) for the
production profile; it uses a schema and a key prefix of its own and drops them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from tools.load import Result, run

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "current.tar.gz"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
#: trained baselines (BENCH_CACHE: a cache shared by worktrees, e.g. /work/bench-cache)
CACHE = Path(os.environ.get("BENCH_CACHE") or ROOT / "var" / "bench")
TRIVIAL = Path(__file__).resolve().parent / "bench_trivial"
PG = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PARTS = ("nlu", "latency", "load", "workers", "directory")
#: the deterministic training settings of the Makefile (the same figures on every run)
DETERMINISTIC = {
    "PYTHONHASHSEED": "0",
    "TF_DETERMINISTIC_OPS": "1",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "TF_INTER_OP_PARALLELISM_THREADS": "1",
    "TF_INTRA_OP_PARALLELISM_THREADS": "2",
    "RASA_TELEMETRY_ENABLED": "false",
}
#: (conversations at once, messages each) for the latency table
LEVELS: tuple[tuple[int, int], ...] = ((1, 60), (8, 20), (32, 10))
#: the production profile with one Rasa replica (SANIC_WORKERS is measured on it, directly)
ONE_REPLICA = "lb rasa1 actions1 actions2"
#: the full load test's size; BENCH_QUICK=1 shrinks everything to check the tool itself
FULL_LOAD = (200, 10)
#: the same load paced as people write: (mean pause between messages, first messages spread
#: over), in seconds; a person reads the answer and types, 200 people do not press send at once
PACING = (10.0, 10.0)
if os.environ.get("BENCH_QUICK"):
    LEVELS, FULL_LOAD, PACING = ((1, 3), (2, 3)), (4, 3), (0.2, 0.2)


# --- processes ------------------------------------------------------------------------


@contextlib.contextmanager
def running(
    command: list[str], env: dict[str, str], log: Path, ready: Callable[[], bool], within: float
) -> Iterator[subprocess.Popen[bytes]]:
    """A process group started, waited for until ``ready``, stopped (TERM, then KILL)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + within
        while not ready():
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{command[0]} did not start:\n{tail}")
            time.sleep(1)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def answers(url: str, **params: str) -> bool:
    try:
        return httpx.get(url, params=params, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def tree(pid: int) -> list[int]:
    """The process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def memory(pid: int) -> dict[str, float]:
    """Resident memory in MB of each kind of process in the tree, by its role."""
    by_role: dict[str, float] = {}
    for member in tree(pid):
        with contextlib.suppress(OSError):
            cmdline = (Path("/proc") / str(member) / "cmdline").read_bytes().replace(b"\0", b" ")
            status = (Path("/proc") / str(member) / "status").read_text()
            rss = next(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")
            )
            role = role_of(cmdline.decode(errors="replace"))
            if role:
                by_role[role] = max(by_role.get(role, 0.0), rss / 1024)
    return by_role


def role_of(cmdline: str) -> str | None:
    for needle, role in (
        ("rasa run", "Rasa"),
        ("actions.serve", "action server"),
        ("-m bot", "gateway"),
        ("console", "console"),
        ("haproxy", "HAProxy"),
    ):
        if needle in cmdline and "bin/bash" not in cmdline:
            return role
    return None


def base_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RASA_URL", "APP_PROFILE")}
    env.update(
        APP_VAR_DIR=str(tmp), LOG_LEVEL="WARNING", RASA_TELEMETRY_ENABLED="false",
        TELEGRAM_TOKEN="", WHATSAPP_TOKEN="",
    )  # fmt: skip
    return env


@contextlib.contextmanager
def embedded(tmp: Path, port: int, model: Path = MODEL, actions: bool = True) -> Iterator[Any]:
    """One Rasa (and the action server) as `make run` starts them, on the development profile."""
    token = "bench-" + uuid.uuid4().hex
    env = base_env(tmp) | {
        "APP_PROFILE": "development",
        "SUPERVISE_DIR": str(tmp / "supervise"),
        "RASA_PORT": str(port),
        "ACTION_SERVER_PORT": str(port + 50),
        "ACTION_SERVER_URL": f"http://127.0.0.1:{port + 50}/webhook",
        "RASA_TOKEN": token,
        "RASA_MODEL": str(model),
        "DATABASE_URL": f"sqlite:///{tmp}/directory.sqlite",
    }
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "referral_directory", "init"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    processes = ["rasa", "actions"] if actions else ["rasa"]
    command = [
        str(ROOT / ".venv" / "bin" / "python"),
        "-m",
        "tools.supervise",
        "Procfile",
        *processes,
    ]

    def ready() -> bool:
        up = answers(f"http://127.0.0.1:{port}/status", token=token)
        return up and (not actions or answers(f"http://127.0.0.1:{port + 50}/health"))

    with running(command, env, tmp / "embedded.log", ready, 600) as process:
        yield process, f"http://127.0.0.1:{port}", token


def _sql(statement: str) -> None:
    engine = create_engine(PG, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


@contextlib.contextmanager
def production(
    tmp: Path, port: int, processes: str = "lb rasa1 rasa2 actions1 actions2"
) -> Iterator[Any]:
    """The production profile as `make run-production` starts it, in a schema of its own."""
    schema, prefix = "bench_" + uuid.uuid4().hex[:10], "bench" + uuid.uuid4().hex[:8] + ":"
    token = secrets.token_urlsafe(32)
    _sql(f'CREATE SCHEMA "{schema}"')
    options = f"?options=-csearch_path%3D{schema}"
    env = base_env(tmp) | {
        "DATABASE_URL": PG + options,
        "TRACKER_STORE_URL": PG.replace("+psycopg", "") + options,
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": prefix,
        "RASA_PORT": str(port),
        "ACTION_SERVER_PORT": str(port + 50),
        "RASA_REPLICA_1_PORT": str(port + 100),
        "RASA_REPLICA_2_PORT": str(port + 101),
        "ACTION_REPLICA_1_PORT": str(port + 150),
        "ACTION_REPLICA_2_PORT": str(port + 151),
        "GATEWAY_PORT": str(port + 200),
        "CONSOLE_PORT": str(port + 201),
        "GATEWAY_URL": f"http://127.0.0.1:{port + 200}",
        "HASH_KEY": secrets.token_urlsafe(32),
        "RASA_TOKEN": token,
        "GATEWAY_INTERNAL_TOKEN": secrets.token_urlsafe(32),
        "ROUTE_KEY": Fernet.generate_key().decode(),
        "CONSOLE_SECRET_KEY": secrets.token_urlsafe(32),
        "PRODUCTION_PROCESSES": processes,
    }

    def ready() -> bool:
        replicas = [port + 100, port + 101] if "rasa2" in processes else [port + 100]
        return all(answers(f"http://127.0.0.1:{p}/status", token=token) for p in replicas) and (
            "lb" not in processes.split() or answers(f"http://127.0.0.1:{port}/status", token=token)
        )

    try:
        command = [str(ROOT / "scripts" / "run-production")]
        with running(command, env, tmp / "production.log", ready, 600) as process:
            yield process, f"http://127.0.0.1:{port}", token
    finally:
        _sql(f'DROP SCHEMA "{schema}" CASCADE')
        keys = subprocess.run(
            ["redis-cli", "-u", REDIS_URL, "--scan", "--pattern", prefix + "*"],
            capture_output=True, text=True,
        ).stdout.split()  # fmt: skip
        for key in keys:
            subprocess.run(["redis-cli", "-u", REDIS_URL, "DEL", key], capture_output=True)


# --- measurements -----------------------------------------------------------------------


def load(
    url: str,
    conversations: int,
    messages: int,
    prefix: str,
    pacing: tuple[float, float] = (0.0, 0.0),
) -> Result:
    think, ramp = pacing
    return asyncio.run(run(url, conversations, messages, prefix=prefix, think=think, ramp=ramp))


def latencies(url: str, name: str) -> dict[str, Any]:
    """Warm the stack, then 1, 8 and 32 conversations at once."""
    load(url, 4, 5, f"warm-{name}")
    return {str(c): asdict(load(url, c, m, f"{name}-{c}")) | {"senders": None} for c, m in LEVELS}


def cached_model(config: Path, name: str) -> tuple[Path | None, float | None]:
    """Rasa's default pipeline trained on nlu/data, or the cached one for the same inputs;
    the training time when it was trained now (None when cached). With BENCH_TRAIN_DEFAULT=0
    an uncached baseline is not trained (about two hours on two cores): None, None."""
    digest = hashlib.sha256(config.read_bytes())
    for path in sorted((ROOT / "nlu" / "data" / "nlu").rglob("*.yml")):
        digest.update(path.read_bytes())
    model = CACHE / f"{name}-{digest.hexdigest()[:16]}.tar.gz"
    if model.exists():
        return model, None
    if os.environ.get("BENCH_TRAIN_DEFAULT") == "0":
        return None, None
    CACHE.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    subprocess.run(
        [str(RASA), "train", "nlu", "--config", str(config), "--nlu", "nlu/data/nlu",
         "--out", str(CACHE), "--fixed-model-name", model.name.removesuffix(".tar.gz")],
        cwd=ROOT, env={**os.environ, **DETERMINISTIC}, check=True, capture_output=True,
    )  # fmt: skip
    return model, time.monotonic() - started


def nlu_figures(model: Path, out: Path) -> dict[str, Any]:
    subprocess.run(
        [str(ROOT / ".venv-rasa" / "bin" / "python"), "-m", "nlu.evaluate", "--model", str(model),
         "--test-data", "tests/nlu_blind", "--out", str(out)],
        cwd=ROOT, env={**os.environ, **DETERMINISTIC}, check=True, capture_output=True,
    )  # fmt: skip
    figures: dict[str, Any] = json.loads((out / "nlu_eval.json").read_text())
    return figures


def trivial_model() -> Path:
    model = CACHE / "trivial.tar.gz"
    if not model.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [str(RASA), "train", "--config", str(TRIVIAL / "config.yml"),
             "--domain", str(TRIVIAL / "domain.yml"), "--data", str(TRIVIAL / "data.yml"),
             "--out", str(CACHE), "--fixed-model-name", "trivial"],
            cwd=ROOT, env={**os.environ, **DETERMINISTIC}, check=True, capture_output=True,
        )  # fmt: skip
    return model


def first_answer_after_start(tmp: Path, port: int) -> float:
    """Seconds from starting the embedded stack (model present) to its first answer."""
    started = time.monotonic()
    with embedded(tmp, port) as (_, url, _token):
        while True:
            with contextlib.suppress(httpx.HTTPError):
                reply = httpx.post(
                    f"{url}/webhooks/rest/webhook", json={"sender": "start", "message": "hola"},
                    timeout=10,
                )  # fmt: skip
                if reply.status_code == 200 and reply.json():
                    return time.monotonic() - started
            time.sleep(0.2)


def measure(
    parts: set[str], work: Path, ours: Path = MODEL, default: Path | None = None
) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "load_before": os.getloadavg(),
    }
    if "nlu" in parts:
        config = ROOT / "nlu" / "configs" / "rasa_default.yml"
        baseline, trained_s = (default, None) if default else cached_model(config, "rasa-default")
        figures["nlu"] = {
            "ours": nlu_figures(ours, work / "nlu-ours"),
            "default": nlu_figures(baseline, work / "nlu-default") if baseline else None,
            "ours_size_mb": ours.stat().st_size / 1e6,
            "default_size_mb": baseline.stat().st_size / 1e6 if baseline else None,
            "default_train_s": trained_s,
        }
    port = 30000 + int(os.environ.get("E2E_PORT_OFFSET", "0"))
    if parts & {"latency", "load"}:
        figures["start_s"] = first_answer_after_start(work / "start", port)
        for name, stack in (
            ("embedded", embedded(work / "embedded", port)),
            ("production", production(work / "production", port + 1000)),
        ):
            with stack as (process, url, _token):
                if "latency" in parts:
                    figures[name] = latencies(url, name)
                if "load" in parts:
                    full = load(url, *FULL_LOAD, f"load-{name}")
                    figures[f"{name}_load"] = asdict(full) | {"senders": None}
                    paced = load(url, *FULL_LOAD, f"paced-{name}", PACING)
                    figures[f"{name}_paced"] = asdict(paced) | {"senders": None}
                figures[f"{name}_memory"] = memory(process.pid)
    if "latency" in parts:
        with embedded(work / "trivial", port + 2000, trivial_model(), actions=False) as (
            process, url, _token,
        ):  # fmt: skip
            figures["trivial"] = latencies(url, "trivial")
            figures["trivial_memory"] = memory(process.pid)
    if "workers" in parts:
        figures["workers"] = {}
        for workers in ("1", "2"):
            os.environ["SANIC_WORKERS"] = workers
            try:
                with production(work / f"workers{workers}", port + 3000, ONE_REPLICA) as (
                    _, _url, _token,
                ):  # fmt: skip
                    url = f"http://127.0.0.1:{port + 3100}"
                    load(url, 4, 5, "warm-w")
                    figures["workers"][workers] = asdict(load(url, *LEVELS[1], f"w{workers}")) | {
                        "senders": None
                    }
            finally:
                os.environ.pop("SANIC_WORKERS", None)
    if "directory" in parts:
        out = work / "directory.md"
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "python"), "-m", "tools.bench_directory",
             "--out", str(out)],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        figures["directory_md"] = out.read_text()
    figures["load_after"] = os.getloadavg()
    return figures


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor(),
    )  # fmt: skip
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory_kb / 1024 / 1024:.0f} GiB, {platform.platform()}"
    )


# --- the page ---------------------------------------------------------------------------


def plot_latency(figures: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for name in ("trivial", "embedded", "production"):
        if name not in figures:
            continue
        levels = [int(c) for c in figures[name]]
        left.plot(levels, [figures[name][str(c)]["p95_ms"] for c in levels], marker="o", label=name)
        right.plot(
            levels, [figures[name][str(c)]["throughput"] for c in levels], marker="o", label=name
        )
    left.set(xlabel="conversations at once", ylabel="p95 latency (ms)", title="REST latency, p95")
    right.set(xlabel="conversations at once", ylabel="messages/s", title="Throughput")
    for axis in (left, right):
        axis.set_xscale("log", base=2)
        axis.legend()
        axis.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_nlu(figures: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = ["macro-F1 es", "macro-F1 en", "emergency recall", "false alarms", "language"]

    def values(r: dict[str, Any]) -> list[float]:
        return [
            r["intent_macro_f1_by_language"].get("es", 0),
            r["intent_macro_f1_by_language"].get("en", 0),
            r["emergency_recall"], r["false_alarm_rate"], r["language_accuracy_stateless"],
        ]  # fmt: skip

    fig, axis = plt.subplots(figsize=(8, 4))
    xs = range(len(names))
    axis.bar([x - 0.2 for x in xs], values(figures["ours"]), 0.4, label="ours (config.yml)")
    if figures["default"]:
        axis.bar([x + 0.2 for x in xs], values(figures["default"]), 0.4, label="Rasa default")
    axis.set_xticks(list(xs), names)
    axis.set(ylim=(0, 1), title="NLU on the blind sets")
    axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


_TABLE_HEAD = (
    "| stack | conversations x messages | errors | p50 ms | p95 ms | p99 ms | msg/s |",
    "|---|---|---|---|---|---|---|",
)


def _both_profiles(figures: dict[str, Any], run: str) -> list[str]:
    """The table of one load run ("load", "paced") on the embedded and production stacks."""
    return [
        "",
        *_TABLE_HEAD,
        _row("embedded (one Rasa)", figures[f"embedded_{run}"]),
        _row("production (two replicas)", figures[f"production_{run}"]),
        "",
    ]


def _row(name: str, r: dict[str, Any]) -> str:
    return (
        f"| {name} | {r['conversations']} x {r['messages_per_conversation']} | {r['errors']} | "
        f"{r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['p99_ms']:.0f} | {r['throughput']:.1f} |"
    )


#: the issue's targets: (what, figure's path in the figures, goal, at least / at most, unit)
TARGETS: tuple[tuple[str, tuple[str, ...], float, str, str], ...] = (
    ("8 at once, embedded", ("embedded", "8", "throughput"), 25.0, "min", "msg/s"),
    ("8 at once, two replicas", ("production", "8", "throughput"), 45.0, "min", "msg/s"),
    ("8 at once, embedded, p95", ("embedded", "8", "p95_ms"), 250.0, "max", "ms"),
    ("8 at once, two replicas, p95", ("production", "8", "p95_ms"), 250.0, "max", "ms"),
    ("one at a time, embedded, p95", ("embedded", "1", "p95_ms"), 100.0, "max", "ms"),
    ("one at a time, two replicas, p95", ("production", "1", "p95_ms"), 100.0, "max", "ms"),
    ("Rasa's memory, embedded", ("embedded_memory", "Rasa"), 1536.0, "max", "MB"),
    ("200 x 10 at once, embedded: errors", ("embedded_load", "errors"), 0.0, "max", ""),
    ("200 x 10 at once, two replicas: errors", ("production_load", "errors"), 0.0, "max", ""),
    ("200 x 10 paced, embedded: errors", ("embedded_paced", "errors"), 0.0, "max", ""),
    ("200 x 10 paced, two replicas: errors", ("production_paced", "errors"), 0.0, "max", ""),
)


def targets(figures: dict[str, Any]) -> list[str]:
    """Each target beside its figure: met, or missed and by how much."""
    rows: list[str] = []
    for name, path, goal, sense, unit in TARGETS:
        value: Any = figures
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            continue
        met = value >= goal if sense == "min" else value <= goal

        def amount(v: float, unit: str = unit) -> str:
            return f"{v:,.1f} {unit}" if unit else f"{v:,.0f}"

        verdict = "met" if met else f"missed by {amount(abs(value - goal))}"
        if not met and goal:
            verdict += f" ({abs(value - goal) / goal:.0%})"
        bound = "at least" if sense == "min" else "at most"
        goal_text = f"{goal:,.0f} {unit}".strip()
        rows.append(f"| {name} | {amount(value)} | {bound} {goal_text} | {verdict} |")
    if not rows:
        return []
    return [
        "## Targets",
        "",
        "| target | measured | goal | |",
        "|---|---|---|---|",
        *rows,
        "",
        *why_missed(figures),
    ]


def why_missed(figures: dict[str, Any]) -> list[str]:
    """The reason the throughput targets are missed, with this run's own figure."""
    saturated = figures.get("embedded", {}).get(str(LEVELS[-1][0]), {}).get("throughput")
    if not saturated:
        return []
    return [
        "Why the throughput targets are missed on this machine: one Rasa process, saturated",
        f"({LEVELS[-1][0]} at once), answers {saturated:.1f} messages a second, about "
        f"{1000 / saturated:.0f} ms of one",
        "core's time a message (the intent classifier, the dialogue policies at each step and",
        "the action server's calls; profiled, most of it is TensorFlow's and Rasa's Python",
        "overhead per prediction, not arithmetic). The machine has two cores: with two replicas,",
        "their two action servers, PostgreSQL, HAProxy and the load generator share them, so",
        "two replicas give less than twice one. A server with a core per replica gives each",
        "replica what the embedded rows show.",
        "",
    ]


def page(figures: dict[str, Any], plots: Path, out: Path) -> str:
    rel = os.path.relpath(plots, out.parent)
    lines = [
        "# Benchmarks",
        "",
        f"Measured {figures['date']} on {figures['machine']}, by `make bench` (tools/bench.py);",
        f"load average {figures['load_before'][0]:.2f} at the start, "
        f"{figures['load_after'][0]:.2f} at the end.",
        *(
            [
                "Parts measured on other dates (an earlier run, same machine): "
                + ", ".join(f"{p} {d}" for p, d in figures["dates"].items() if d != figures["date"])
                + "."
            ]
            if any(d != figures["date"] for d in figures.get("dates", {}).values())
            else []
        ),
        "Reproduce: `make bench` (all parts, about 30 minutes), or `BENCH=latency make bench` for",
        "one part (parts: " + ", ".join(PARTS) + "). The raw figures: `docs/bench/figures.json`.",
        "",
    ]
    if "nlu" in figures:
        n = figures["nlu"]
        o = n["ours"]
        # without a trained baseline its column is empty (n/a), never a made-up figure
        d = n["default"] or {
            "intent_macro_f1_by_language": {}, "emergency_recall": None,
            "false_alarm_rate": None, "corregimiento_value_accuracy": None,
            "language_accuracy_stateless": None,
        }  # fmt: skip
        if n["default"] is None:
            trained = "not trained in this run (BENCH_TRAIN_DEFAULT=0)"
        elif n["default_train_s"]:
            trained = f"{n['default_train_s']:.0f} s"
        else:
            trained = "cached (same inputs)"

        def f1(r: dict[str, Any], language: str) -> float | None:
            value = r["intent_macro_f1_by_language"].get(language)
            return None if value is None else float(value)

        def cell(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.3f}"

        rows = [
            ("macro-F1 es", f1(o, "es"), f1(d, "es"), "0.93"),
            ("macro-F1 en", f1(o, "en"), f1(d, "en"), "0.93"),
            ("emergency recall", o["emergency_recall"], d["emergency_recall"], "0.98"),
            ("false alarms", o["false_alarm_rate"], d["false_alarm_rate"], "0.005"),
            ("place accuracy", o["corregimiento_value_accuracy"],
             d["corregimiento_value_accuracy"], ""),
            ("language, no context", o["language_accuracy_stateless"],
             d["language_accuracy_stateless"], "0.98"),
        ]  # fmt: skip
        lines += [
            "## NLU on the blind sets (tests/nlu_blind, never trained on)",
            "",
            "Rasa's default pipeline has no language detector: its language column counts every",
            "message as Spanish.",
            "",
            "| measure | ours (`config.yml`) | Rasa's default | target |",
            "|---|---|---|---|",
            *[f"| {name} | {cell(a)} | {cell(b)} | {goal} |" for name, a, b, goal in rows],
            f"| model size | {n['ours_size_mb']:.1f} MB | "
            + (f"{n['default_size_mb']:.1f} MB" if n["default_size_mb"] else "n/a")
            + " | |",
            f"| training | `make train` (README) | {trained}, NLU only | |",
            "",
            f"![NLU]({rel}/nlu.png)",
            "",
        ]
    if "embedded" in figures:
        lines += [
            "## REST latency and throughput (tools/load.py, 127.0.0.1)",
            "",
            "Each conversation waits for each answer before its next message, as a person does.",
            "",
            *_TABLE_HEAD,
        ]
        for name in ("trivial", "embedded", "production"):
            for c in figures.get(name, {}):
                lines.append(_row(f"{name}, {c} at once", figures[name][c]))
        lines += ["", f"![latency]({rel}/latency.png)", ""]
    if "embedded_load" in figures:
        lines += [
            f"## The full load test: {FULL_LOAD[0]} conversations of {FULL_LOAD[1]} messages, "
            "all at once",
            *_both_profiles(figures, "load"),
        ]
    if "embedded_paced" in figures:
        think, ramp = figures["embedded_paced"]["think_s"], figures["embedded_paced"]["ramp_s"]
        lines += [
            f"## The same load as people write: {think:g} s on average between an answer and "
            f"the next message, first messages spread over {ramp:g} s",
            *_both_profiles(figures, "paced"),
        ]
    lines += targets(figures)
    if "workers" in figures:
        lines += [
            f"## SANIC_WORKERS on one Rasa with the Redis lock store ({LEVELS[1][0]} at once)",
            "",
            "| SANIC_WORKERS | conversations x messages | errors | p50 ms | p95 ms | p99 ms "
            "| msg/s |",
            "|---|---|---|---|---|---|---|",
            *[_row(w, r) for w, r in figures["workers"].items()],
            "",
        ]
    for key, title in (("embedded_memory", "embedded"), ("production_memory", "production"),
                       ("trivial_memory", "trivial bot")):  # fmt: skip
        if key in figures:
            if title == "embedded":
                lines += [
                    "## Resident memory after the load (MB, largest process of each kind)",
                    "",
                ]
            lines.append(
                f"- {title}: " + ", ".join(f"{k} {v:.0f}" for k, v in sorted(figures[key].items()))
            )
    if "start_s" in figures:
        lines += [
            "",
            "## Start",
            "",
            "From starting the embedded stack (model present, environments installed) to its",
            f"first answer: **{figures['start_s']:.1f} s**.",
            "",
        ]
    if "directory_md" in figures:
        body = figures["directory_md"].split("\n", 1)[1]
        lines += ["## Directory search", "", body.strip(), ""]
    return "\n".join(lines) + "\n"


#: the figures each part writes (the rest of figures.json is the run's own: date, machine, load)
PART_KEYS = {
    "nlu": ("nlu",),
    "latency": ("start_s", "embedded", "production", "trivial", "trivial_memory",
                "embedded_memory", "production_memory"),
    "load": ("embedded_load", "production_load", "embedded_paced", "production_paced",
             "embedded_memory", "production_memory"),
    "workers": ("workers",),
    "directory": ("directory_md",),
}  # fmt: skip


def merged(previous: dict[str, Any], figures: dict[str, Any], parts: set[str]) -> dict[str, Any]:
    """This run's parts over the previous run's others, each part with the date it was measured
    (BENCH=latency make bench leaves the NLU figures of the last full run on the page)."""
    dates = dict(
        previous.get("dates") or {p: previous["date"] for p in PARTS if "date" in previous}
    )
    kept = {
        key: previous[key]
        for part in PARTS
        if part not in parts
        for key in PART_KEYS[part]
        if key in previous and key not in figures
    }
    dates = {
        p: d for p, d in dates.items() if p not in parts and any(k in kept for k in PART_KEYS[p])
    }
    dates.update({p: figures["date"] for p in parts})
    return {**kept, **figures, "dates": dates}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--parts", default=os.environ.get("BENCH") or ",".join(PARTS))
    parser.add_argument(
        "--ours-model", type=Path, default=MODEL, help="our model to score (NLU part)"
    )
    parser.add_argument(
        "--default-model", type=Path, default=None,
        help="Rasa's default pipeline, already trained on the same data (else trained, cached)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    unknown = parts - set(PARTS)
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}: choose from {', '.join(PARTS)}")
    if not MODEL.exists():
        parser.error(f"{MODEL} is missing: `make train` first")
    plots = args.out.parent / "bench"
    plots.mkdir(parents=True, exist_ok=True)
    # the stacks' logs and databases stay in var/bench/run until the next run (read on failure)
    work = CACHE / "run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    figures = measure(parts, work, args.ours_model, args.default_model)
    raw = plots / "figures.json"
    previous = json.loads(raw.read_text()) if raw.exists() and parts != set(PARTS) else {}
    figures = merged(previous, figures, parts)
    raw.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    if "embedded" in figures:
        plot_latency(figures, plots / "latency.png")
    if "nlu" in figures:
        plot_nlu(figures["nlu"], plots / "nlu.png")
    args.out.write_text(page(figures, plots, args.out))
    print(args.out.read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
