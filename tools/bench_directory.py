"""Search benchmark: p50/p95 with 1k, 10k and 100k generated services, SQLite and PostgreSQL.

    python -m tools.bench_directory [--sizes 1000 10000 100000] [--queries 1000]
                                       [--out reports/directory_benchmark.md] [--no-postgres]

Not a test: it measures. The generated services are invented (names "Servicio sintético N",
phone +507 6000-0000) and live only in throw-away databases: SQLite files under var/bench/
(ignored by git, removed at the end) and a PostgreSQL schema (DATABASE_URL, or the local
postgres at 127.0.0.1:5432/test) that is dropped at the end. Data is bulk-inserted (not through
the audited API, which is for staff edits), the search table rebuilt, then ANALYZEd (VACUUM
ANALYZE on PostgreSQL), as a live database would be. The report says how loaded the machine was
and whether a `rasa train` was running: measure final figures when none is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sqlite3
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url

from referral_directory import search_index
from referral_directory.models import (
    SERVICE_TYPES,
    Attribute,
    Location,
    Organization,
    Phone,
    Service,
    ServiceArea,
    ServiceAtLocation,
)
from referral_directory.placedb import forget_place_index, place_index
from referral_directory.records import stable_id
from referral_directory.resolve import PlaceIndex
from referral_directory.search import search
from referral_directory.seed import load_seed
from store import db
from store.settings import REPO_ROOT

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BATCH = 5000


def _centre(index: PlaceIndex, place_id: str, rng: random.Random) -> tuple[float, float]:
    node = index.nodes[place_id]
    if node.latitude is not None and node.longitude is not None:
        return node.latitude, node.longitude
    # invented centres inside a box around Panamá and Panamá Oeste (benchmark data only)
    r = random.Random(place_id)
    return r.uniform(8.85, 9.15), r.uniform(-79.9, -79.3)


def generate(engine: Engine, n: int, seed: int = 7) -> None:
    """Insert `n` invented services spread over the hierarchy like a grown directory:
    70% for one corregimiento, 15% for a distrito, 5% for a provincia, 10% national."""
    rng = random.Random(seed)
    index = place_index(engine)
    by_level: dict[str, list[str]] = {}
    for node in index.nodes.values():
        by_level.setdefault(node.level, []).append(node.id)
    corrs = sorted(by_level["corregimiento"])
    term_ids = [stable_id(f"taxonomy_term:{t}") for t in SERVICE_TYPES]
    orgs = [
        {"id": str(uuid.uuid4()), "name": f"Organización sintética {i}"}
        for i in range(max(1, n // 20))
    ]
    rows: dict[type, list[dict[str, object]]] = {
        Service: [], ServiceArea: [], Location: [], ServiceAtLocation: [], Attribute: [], Phone: []
    }  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(Organization), orgs)

    def flush() -> None:
        with engine.begin() as conn:
            for model in (Service, ServiceArea, Location, ServiceAtLocation, Attribute, Phone):
                if rows[model]:
                    conn.execute(insert(model), rows[model])
                    rows[model] = []

    for i in range(n):
        sid = str(uuid.uuid4())
        roll = rng.random()
        if roll < 0.70:
            area = rng.choice(corrs)
        elif roll < 0.85:
            area = rng.choice(by_level["distrito"])
        elif roll < 0.90:
            area = rng.choice(by_level["provincia"])
        else:
            area = by_level["national"][0]
        rows[Service].append(
            {
                "id": sid,
                "organization_id": rng.choice(orgs)["id"],
                "name": f"Servicio sintético {i:06d}",
                "status": "active" if rng.random() < 0.9 else "inactive",
            }
        )
        rows[ServiceArea].append({"id": str(uuid.uuid4()), "service_id": sid, "place_id": area})
        if rng.random() < 0.8:
            inside = [p for p in index.subtree(area) if index.nodes[p].level == "corregimiento"]
            loc_place = rng.choice(inside or corrs)
            lat, lon = _centre(index, loc_place, rng)
            lid = str(uuid.uuid4())
            rows[Location].append(
                {
                    "id": lid,
                    "location_type": "physical",
                    "place_id": loc_place,
                    "latitude": lat + rng.gauss(0, 0.01),
                    "longitude": lon + rng.gauss(0, 0.01),
                }
            )
            rows[ServiceAtLocation].append(
                {"id": str(uuid.uuid4()), "service_id": sid, "location_id": lid}
            )
        for term in rng.sample(term_ids, rng.randint(1, 3)):
            rows[Attribute].append(
                {
                    "id": str(uuid.uuid4()),
                    "link_id": sid,
                    "link_entity": "service",
                    "taxonomy_term_id": term,
                }  # fmt: skip
            )
        if rng.random() < 0.5:
            rows[Phone].append(
                {"id": str(uuid.uuid4()), "service_id": sid, "number": "+507 6000-0000"}
            )
        if len(rows[Service]) >= BATCH:
            flush()
    flush()
    with db.session(engine) as s:
        search_index.rebuild(s)
    # statistics for the planner, and on PostgreSQL the visibility map that index-only scans
    # need (what autovacuum keeps on a live database)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


def queries(index: PlaceIndex, count: int, seed: int = 11) -> list[dict[str, object]]:
    """What people ask: mostly a corregimiento (as typed: aliases, no accents, typos), some a
    distrito, some with a type or a map point, a few unknown places."""
    rng = random.Random(seed)
    corrs = [n for n in index.nodes.values() if n.level == "corregimiento"]
    distritos = [n for n in index.nodes.values() if n.level == "distrito"]
    out: list[dict[str, object]] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.05:
            place = rng.choice(["xyzzy", "Springfield", "no sé dónde", "🙂"])
        elif roll < 0.20:
            place = rng.choice(distritos).name.lower()
        else:
            name = rng.choice(corrs).name
            place = name.lower() if rng.random() < 0.5 else name[:-1]  # a typo: last letter lost
        q: dict[str, object] = {"place": place, "lang": rng.choice(["es", "en"])}
        if rng.random() < 0.3:
            q["service_type"] = rng.choice(SERVICE_TYPES)
        if rng.random() < 0.3:
            q["near"] = (rng.uniform(8.9, 9.1), rng.uniform(-79.8, -79.4))
        out.append(q)
    return out


def measure(engine: Engine, qs: list[dict[str, object]]) -> list[float]:
    for q in qs[:20]:
        search(engine=engine, **q)  # type: ignore[arg-type]  # warm caches and pool
    times = []
    for q in qs:
        start = time.perf_counter()
        search(engine=engine, **q)  # type: ignore[arg-type]
        times.append((time.perf_counter() - start) * 1000)
    return times


def _pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


@contextmanager
def sqlite_db(n: int) -> Iterator[Engine]:
    path = REPO_ROOT / "var" / "bench" / f"directory-{n}.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    eng = db.engine(f"sqlite:///{path}")
    try:
        yield eng
    finally:
        eng.dispose()
        path.unlink(missing_ok=True)


@contextmanager
def postgres_db(base_url: str, n: int) -> Iterator[Engine]:
    schema = f"bench_directory_{n}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = (
        make_url(base_url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    eng = db.engine(url)
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _rasa_training() -> bool:
    """Whether a `rasa train` runs on this machine (it competes for the same cores)."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if any(a.endswith(b"rasa") for a in args) and b"train" in args:
            return True
    return False


def _machine(pg_version: str | None) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f", {mem_kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        memory = ""
    parts = [
        f"{cpu}, {os.cpu_count()} cores{memory}",
        f"{platform.system()} {platform.release()}",
        f"Python {platform.python_version()}",
        f"SQLite {sqlite3.sqlite_version}",
    ]
    if pg_version:
        parts.append(f"PostgreSQL {pg_version} (local, 127.0.0.1)")
    return "; ".join(parts)


@dataclass
class Run:
    backend: str
    services: int
    rows: int
    load_s: float
    times: list[float]
    near_times: list[float]
    load_avg: tuple[float, float]  # 1-minute load average before and after the searches
    rasa_training: bool

    def line(self) -> str:
        t = self.times
        return (
            f"| {self.backend} | {self.services:,} | {self.rows:,} | {len(t)} | "
            f"{statistics.median(t):.2f} | {_pct(t, 95):.2f} | {_pct(t, 99):.2f} | "
            f"{max(t):.2f} | {_pct(self.near_times, 95):.2f} | {self.load_s:.0f} | "
            f"{self.load_avg[0]:.2f} / {self.load_avg[1]:.2f} | "
            f"{'yes' if self.rasa_training else 'no'} |"
        )


HEADER = (
    "| backend | services | search rows | searches | p50 ms | p95 ms | p99 ms | max ms "
    "| p95 ms with `near` | load s | load avg before / after | `rasa train` running |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n"
)


def run_one(backend: str, n: int, pg_url: str, count: int) -> Run:
    ctx = sqlite_db(n) if backend == "sqlite" else postgres_db(pg_url, n)
    with ctx as eng:
        forget_place_index()
        db.migrate(eng)
        load_seed(eng)
        start = time.perf_counter()
        generate(eng, n)
        load_s = time.perf_counter() - start
        with eng.connect() as conn:
            rows = int(conn.scalar(text("SELECT count(*) FROM service_search")) or 0)
        qs = queries(place_index(eng), count)
        training = _rasa_training()
        before = os.getloadavg()[0]
        times = measure(eng, qs)
        after = os.getloadavg()[0]
        training = training or _rasa_training()
    near = [t for t, q in zip(times, qs, strict=True) if "near" in q]
    return Run(backend, n, rows, load_s, times, near, (before, after), training)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--out", type=Path, default=REPO_ROOT / "reports" / "directory_benchmark.md")
    p.add_argument("--no-postgres", action="store_true")
    args = p.parse_args(argv)
    env_url = os.environ.get("DATABASE_URL", "").strip()
    pg_url = env_url if env_url.startswith("postgresql") else PG_DEFAULT
    backends = ["sqlite"] + ([] if args.no_postgres else ["postgresql"])
    pg_version = None
    if not args.no_postgres:
        admin = create_engine(pg_url)
        with admin.connect() as conn:
            pg_version = str(conn.scalar(text("SHOW server_version")))
        admin.dispose()
    runs: list[Run] = []
    print(HEADER, end="", flush=True)
    for backend in backends:
        for n in args.sizes:
            runs.append(run_one(backend, n, pg_url, args.queries))
            print(runs[-1].line(), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        REPORT.format(
            date=dt.date.today().isoformat(),
            machine=_machine(pg_version),
            table=HEADER + "\n".join(r.line() for r in runs),
            queries=args.queries,
        ),
        encoding="utf-8",
    )
    print(f"wrote {args.out}")
    return 0


REPORT = """# Referral directory: search benchmark

Measured on {date} with `make bench-directory` (`python -m tools.bench_directory`).

{table}

Target: p95 at most 10 ms with 100,000 services on SQLite on this machine.

## Machine

{machine}. One process, one search at a time; the database on the same machine (the SQLite
file on local disk, PostgreSQL over TCP on 127.0.0.1). *Load avg* is the 1-minute load average
just before and just after the searches of each row; *`rasa train` running* says whether a Rasa
training (which uses both cores) was seen on the machine then.

## Method

- Each database is new: migrated by Alembic to the head revision, the seed loaded, then the
  invented services bulk-inserted (not through the audited API, which is for staff edits), the
  search table rebuilt (`search_index.rebuild`) and the statistics refreshed (`ANALYZE`;
  `VACUUM ANALYZE` on PostgreSQL, as autovacuum keeps a live database). *Load s* is the time of
  the insert and the rebuild. Nothing of it is kept: SQLite files under `var/bench/` are
  deleted, PostgreSQL schemas dropped.
- Invented services (names "Servicio sintético N", phone +507 6000-0000): 70% for one
  corregimiento, 15% for a distrito, 5% for a provincia, 10% national; 80% with a site in a
  corregimiento of their area (points scattered around invented centres), 1 to 3 types each,
  90% active.
- {queries} searches after 20 for warm-up, each timed end to end as
  `referral_directory.search.search()` returns the JSON answer: place resolution (accents,
  case, typos), one to four levels of the hierarchy read from the search table, and the details
  of the services found. The mix: 80% corregimientos as typed (lower case or with the last
  letter lost), 15% distritos, 5% unknown places; 30% with a type filter; 30% with a map point
  (`near`) anywhere in Panamá and Panamá Oeste; es and en; limit 10.
- Before the search table (Alembic revision 0002) the same benchmark gave p95 173 ms with
  100,000 services on SQLite and 257 ms on PostgreSQL: each level joined the HSDS tables over
  every place inside it and sorted the lot.
"""


if __name__ == "__main__":
    raise SystemExit(main())
