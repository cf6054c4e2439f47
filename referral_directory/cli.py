"""`python -m referral_directory`: the directory's command line, for staff and scripts.

    init                      migrate the database and load the seed (safe to repeat)
    import FILE.csv [--dry-run]
    export FILE.csv
    search --place TEXT [--type TYPE] [--lang es|en] [--near LAT,LON] [--limit N] [--json]
    validate

The database is DATABASE_URL, or var/directory.sqlite. Exit codes: 0 done, 1 the data was refused
(bad CSV rows), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from referral_directory import settings
from referral_directory.models import SERVICE_TYPES
from referral_directory.search import SearchAnswer, SearchError, search
from store import db

NOT_VERIFIED = {"es": "aún no verificado", "en": "not yet verified"}
LEVEL_LABEL = {
    "es": {"corregimiento": "en el corregimiento", "distrito": "en el distrito",
           "provincia": "en la provincia", "national": "nacional"},
    "en": {"corregimiento": "in the corregimiento", "distrito": "in the distrito",
           "provincia": "in the provincia", "national": "national"},
}  # fmt: skip


def _near(text: str) -> tuple[float, float]:
    try:
        lat, lon = (float(p) for p in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("use LAT,LON, e.g. 9.07,-79.45") from None
    return lat, lon


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m referral_directory", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    sub = p.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="migrate the database and load the seed (idempotent)")
    init.add_argument("--seed-dir", type=Path, default=settings.seed_dir(),
                      help="folder with services.yaml (default: %(default)s)")  # fmt: skip
    imp = sub.add_parser("import", help="import services from a CSV file (all or nothing)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    exp = sub.add_parser("export", help="export every service to a CSV file")
    exp.add_argument("file", type=Path)
    se = sub.add_parser("search", help="services for a place, nearest level first")
    se.add_argument("--place", required=True, help="corregimiento, distrito or provincia")
    se.add_argument("--type", choices=SERVICE_TYPES, help="only services of this type")
    se.add_argument("--lang", choices=("es", "en"), default="es")
    se.add_argument("--near", type=_near, metavar="LAT,LON", help="rank by distance to here")
    se.add_argument("--limit", type=int, default=10)
    se.add_argument("--json", action="store_true", help="print the JSON answer")
    sub.add_parser("validate", help="stale entries, missing phones or schedules, empty places")
    return p


def _print_search(answer: SearchAnswer, lang: str) -> None:
    place = answer["place"]
    if place["resolved"] is None:
        label = "Lugar no encontrado" if lang == "es" else "Place not found"
        print(f"{label}: {place['query'][:80]!r}")
        if place["suggestions"]:
            print(("¿Quiso decir: " if lang == "es" else "Did you mean: ")
                  + ", ".join(place["suggestions"]) + "?")  # fmt: skip
        return
    print(f"{place['resolved']} ({place['level']})")
    for hit in answer["services"]:
        where = LEVEL_LABEL[lang][hit["match_level"]]
        dist = f", {hit['distance_km']} km" if hit["distance_km"] is not None else ""
        print(f"\n- {hit['name']}  [{where}{dist}]")
        print(f"  {hit['organization']}")
        for value in (hit["address"], hit["phone"], hit["hours"]):
            if value:
                print(f"  {value}")
        print(f"  {hit['assured_date'] or NOT_VERIFIED[lang]}")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "init":
        from referral_directory.seed import load_seed

        eng = db.engine()
        db.migrate(eng)
        report = load_seed(eng, seed_dir=args.seed_dir)
        print(f"places: {report.places}, service types: {report.types}, services added: "
              f"{report.services_added}, already there: {report.services_kept} (status "
              f"corrected from the sources: {report.services_corrected}, reclassified: "
              f"{report.services_reclassified})")  # fmt: skip
        return 0
    if args.command == "search":
        try:
            answer = search(args.place, service_type=args.type, lang=args.lang,
                            near=args.near, limit=args.limit)  # fmt: skip
        except SearchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if args.json:
            print(json.dumps(answer, ensure_ascii=False, indent=2))
        else:
            _print_search(answer, args.lang)
        return 0
    if args.command == "import":
        from referral_directory.csv_io import import_csv

        if not args.file.exists():
            print(f"error: no such file {args.file}", file=sys.stderr)
            return 2
        rep = import_csv(args.file, dry_run=args.dry_run)
        for err in rep.errors:
            print(f"{args.file}: {err}", file=sys.stderr)
        if rep.errors:
            print(f"{len(rep.errors)} problem(s) in {rep.rows} row(s): nothing was imported",
                  file=sys.stderr)  # fmt: skip
            return 1
        verb = "would be" if args.dry_run else "were"
        print(f"{rep.rows} rows: {rep.created} created, {rep.updated} updated, "
              f"{rep.unchanged} unchanged ({verb} written)")  # fmt: skip
        return 0
    if args.command == "export":
        from referral_directory.csv_io import export_csv

        print(f"{export_csv(args.file)} services written to {args.file}")
        return 0
    if args.command == "validate":
        from referral_directory.validate import validate

        findings = validate()
        titles = {
            "stale": f"not verified in {settings.STALE_AFTER_DAYS} days (or never)",
            "never_verified": "never verified by staff (assured_date empty)",
            "no_phone": "active services without a phone",
            "no_schedule": "active services without opening hours",
            "no_main_purpose": "active services whose types name no main purpose (the first)",
            "places_without_services": "corregimientos where no active service is or serves",
        }
        for key, title in titles.items():
            items: list[tuple[str, str]] = getattr(findings, key)
            print(f"{title}: {len(items)}")
            for item_id, name in items:
                print(f"  {name}  ({item_id})")
        return 0
    return 2
