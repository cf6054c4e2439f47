"""The seed loads whole, keeps every value's source, fills nothing in, and closes what its
sources say is closed."""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, func, select, update

from referral_directory import api, cli, search_index
from referral_directory.models import (
    GROUP_TYPES,
    SERVICE_TYPES,
    Attribute,
    Organization,
    Phone,
    Place,
    PlaceAlias,
    Service,
    TaxonomyTerm,
    ValueSource,
)
from referral_directory.placedb import place_index
from referral_directory.places import PLACES_FILE, load_places
from referral_directory.records import main_type, stable_id, write_record
from referral_directory.search import search
from referral_directory.seed import SEED_ACTOR, SeedError, check_entries, load_seed
from store import db
from tests.directory.conftest import SEED_DIR


def _count(engine: Engine, model: type) -> int:
    with db.session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_seed_counts(seeded: Engine) -> None:
    assert _count(seeded, Service) == 26
    assert _count(seeded, Organization) == 21
    assert _count(seeded, TaxonomyTerm) == len(SERVICE_TYPES) == 16
    # every corregimiento, distrito and provincia of the places file, and the country
    places = load_places(PLACES_FILE)
    n_places = len(places.corregimientos) + len(places.distritos) + len(places.provincias) + 1
    assert _count(seeded, Place) == n_places
    assert _count(seeded, PlaceAlias) > 50


def test_seed_is_idempotent(fresh: Engine) -> None:
    report = load_seed(fresh, seed_dir=SEED_DIR)
    assert (report.services_added, report.services_kept) == (0, 26)
    assert report.services_corrected == 0
    assert _count(fresh, Service) == 26


def test_values_keep_their_source_and_nulls_stay_empty(seeded: Engine) -> None:
    coai = api.get(stable_id("service:mides-coai"), engine=seeded)
    assert coai.phone == "524-4893"
    assert coai.sources["phone"].startswith("https://www.telemetro.com/")
    assert coai.hours == "Lunes a viernes, 8:00 a.m. a 4:00 p.m."
    assert coai.assured_date is None  # not verified by staff yet
    acnur = api.get(stable_id("service:acnur-panama"), engine=seeded)
    assert (acnur.phone, acnur.address, acnur.hours, acnur.email) == (None, None, None, None)
    with db.session(seeded) as s:
        assert s.scalar(select(Phone).where(Phone.service_id == acnur.id)) is None
        todo = s.scalars(
            select(ValueSource.note).where(
                ValueSource.entity_id == acnur.id, ValueSource.kind == "unverified"
            )
        ).all()
        evidence = s.scalars(
            select(ValueSource.source).where(
                ValueSource.entity_id == acnur.id, ValueSource.kind == "evidence"
            )
        ).all()
    assert "phone" in todo
    assert "https://www.acnur.org/es-es/pais/panama" in evidence


def test_scope_becomes_the_service_area(seeded: Engine) -> None:
    assert api.get(stable_id("service:minsa-policentro-san-isidro"), engine=seeded).scope == (
        "corregimiento:Omar Torrijos",
    )
    assert api.get(stable_id("service:minsa-hospital-nicolas-solano"), engine=seeded).scope == (
        "distrito:La Chorrera",
    )
    assert api.get(stable_id("service:oim-panama"), engine=seeded).scope == ("national",)


TOCUMEN = stable_id("service:minsa-centro-salud-tocumen")
#: How the seed's descriptions say a service is closed for now.
CLOSED = re.compile(
    r"cerr[óo] temporalmente|cerrad[oa] temporalmente|closed temporarily|temporarily closed",
    re.IGNORECASE,
)


@cache
def _entries() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = yaml.safe_load(
        (SEED_DIR / "services.yaml").read_text(encoding="utf-8")
    )
    return data


def test_every_contact_is_the_sourced_value_or_empty(seeded: Engine) -> None:
    for entry in _entries():
        rec = api.get(stable_id(f"service:{entry['id']}"), engine=seeded)
        for key in ("address", "phone", "email", "url", "hours"):
            item = entry.get(key)
            assert getattr(rec, key) == (str(item["value"]) if item else None), (entry["id"], key)
            assert rec.sources.get(key) == (item["source"] if item else None), (entry["id"], key)
        assert rec.hours_en is None  # the seed has no English opening times: none is made up
        assert (rec.latitude, rec.longitude) == (None, None)  # nor coordinates
        assert rec.assured_date is None  # shown as not yet verified until staff check it


def test_a_service_its_sources_say_is_closed_is_loaded_closed(seeded: Engine) -> None:
    closed = {
        e["id"]
        for e in _entries()
        if CLOSED.search(f"{e.get('description_es', '')} {e.get('description_en', '')}")
    }
    assert "minsa-centro-salud-tocumen" in closed
    for entry in _entries():
        rec = api.get(stable_id(f"service:{entry['id']}"), engine=seeded)
        expected = "temporarily closed" if entry["id"] in closed else "active"
        assert rec.status == entry.get("status", expected), entry["id"]
    tocumen = api.get(TOCUMEN, engine=seeded)
    entry = next(e for e in _entries() if e["id"] == "minsa-centro-salud-tocumen")
    assert tocumen.sources["status"] in {v["url"] for v in entry["verified_from"]}
    for lang in ("es", "en"):
        answer = search("tocumen", lang=lang, limit=100, engine=seeded)
        assert answer["place"]["resolved"] == "Tocumen"
        assert TOCUMEN not in {s["id"] for s in answer["services"]}


@pytest.mark.parametrize(
    ("lang", "label"), [("es", "aún no verificado"), ("en", "not yet verified")]
)
def test_search_shows_seed_services_as_not_yet_verified(
    seeded: Engine,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    label: str,
) -> None:
    monkeypatch.setenv("DATABASE_URL", seeded.url.render_as_string(hide_password=False))
    assert cli.main(["search", "--place", "omar torrijo", "--lang", lang, "--limit", "4"]) == 0
    out = capsys.readouterr().out
    assert out.count(label) == 4
    assert "San Isidro" in out


def test_a_closure_reaches_a_directory_loaded_before_it(fresh: Engine) -> None:
    index = place_index(fresh)
    with db.session(fresh) as s:  # as loaded before the closure was known
        before = dataclasses.replace(api.get(TOCUMEN, engine=fresh), status="active", sources={})
        write_record(s, index, before, actor=SEED_ACTOR, action="update")
    assert api.get(TOCUMEN, engine=fresh).status == "active"
    report = load_seed(fresh, seed_dir=SEED_DIR)
    assert report.services_corrected == 1
    assert api.get(TOCUMEN, engine=fresh).status == "temporarily closed"
    ids = {s["id"] for s in search("tocumen", limit=100, engine=fresh)["services"]}
    assert TOCUMEN not in ids
    # staff checked it and reopened it: the seed does not overrule them
    api.update(TOCUMEN, status="active", actor="staff-ana", engine=fresh)
    assert load_seed(fresh, seed_dir=SEED_DIR).services_corrected == 0
    assert api.get(TOCUMEN, engine=fresh).status == "active"


# -- classification: main purpose and the groups a service is only for -----------------------

#: what the descriptions say of whom these services are for (read from them, not guessed)
ONLY_FOR = {
    "mujer-linea-182-cai": ("gbv",),  # "violencia contra las mujeres"
    "municipio-la-chorrera-centro-atencion": ("gbv",),  # "niñas, adolescentes y mujeres ..."
    "senniaf-proteccion-ninez": ("children",),  # "niñas, niños y adolescentes"
    "minseg-trata-de-personas": ("trafficking",),  # "asistencia y atención a las víctimas"
}


def test_the_seed_checks_as_records(seeded: Engine) -> None:
    assert check_entries(_entries(), place_index(seeded)) == []


def test_every_entry_names_its_main_purpose_first(seeded: Engine) -> None:
    for entry in _entries():
        sid = stable_id(f"service:{entry['id']}")
        rec = api.get(sid, engine=seeded)
        assert entry["types"], entry["id"]
        with db.session(seeded) as s:
            assert main_type(s, sid) == entry["types"][0], entry["id"]
        assert rec.types[0] == entry["types"][0]
        assert set(rec.types) == set(entry["types"])


def test_the_services_only_for_a_group_are_those_the_sources_describe(seeded: Engine) -> None:
    only = {e["id"]: tuple(e["serves_only"]) for e in _entries() if e.get("serves_only")}
    assert only == ONLY_FOR
    for slug, groups in only.items():
        rec = api.get(stable_id(f"service:{slug}"), engine=seeded)
        assert rec.serves_only == groups
        assert set(groups) <= set(GROUP_TYPES) and set(groups) <= set(rec.types)
        assert rec.types[0] == groups[0]  # such a service is for that group above all


def test_a_bad_classification_is_refused(fresh: Engine, tmp_path: Path) -> None:
    entries = [dict(e) for e in _entries()]
    entries[0] = {**entries[0], "serves_only": ["refugee"]}
    entries[1] = {**entries[1], "types": ["voluntary_return", "information", "information"]}
    entries[2] = {**entries[2], "serves_only": ["gbv"]}  # not one of its types
    problems = check_entries(entries, place_index(fresh))
    assert len(problems) == 3
    assert "oim-panama" in problems[0] and "refugee" in problems[0]
    assert "listed twice" in problems[1]
    assert "acnur-panama" in problems[2] and "not one of its types" in problems[2]
    (tmp_path / "services.yaml").write_text(yaml.safe_dump(entries), encoding="utf-8")
    with pytest.raises(SeedError):
        load_seed(fresh, seed_dir=tmp_path)


def test_a_classification_reaches_a_directory_loaded_before_it(fresh: Engine) -> None:
    index = place_index(fresh)
    centre = stable_id("service:municipio-la-chorrera-centro-atencion")
    red_cross = stable_id("service:cruz-roja-panamena")
    with db.session(fresh) as s:  # as loaded before: no group, and no main purpose
        rec = dataclasses.replace(api.get(centre, engine=fresh), serves_only=())
        write_record(s, index, rec, actor=SEED_ACTOR, action="update")
        s.execute(
            update(Attribute)
            .where(Attribute.link_id == red_cross, Attribute.link_type == "service_type")
            .values(value=None)
        )
        search_index.refresh(s, [red_cross])
    assert api.get(centre, engine=fresh).serves_only == ()
    report = load_seed(fresh, seed_dir=SEED_DIR)
    assert report.services_reclassified == 2
    assert api.get(centre, engine=fresh).serves_only == ("gbv",)
    with db.session(fresh) as s:
        assert main_type(s, red_cross) == "information"
    assert load_seed(fresh, seed_dir=SEED_DIR).services_reclassified == 0
    # staff changed its types: the seed does not overrule them
    api.update(centre, types=("psychosocial", "gbv", "legal"), actor="staff-ana", engine=fresh)
    assert load_seed(fresh, seed_dir=SEED_DIR).services_reclassified == 0
    assert api.get(centre, engine=fresh).types == ("psychosocial", "gbv", "legal")


def test_a_service_without_a_main_purpose_gets_one_only_when_its_types_are_given(
    fresh: Engine,
) -> None:
    onpar = stable_id("service:onpar-refugio")
    with db.session(fresh) as s:  # as stored before there were main purposes
        s.execute(update(Attribute).where(Attribute.link_id == onpar).values(value=None))
        search_index.refresh(s, [onpar])
    assert api.get(onpar, engine=fresh).types == ("legal", "refugee")  # by code: none is main
    api.update(onpar, phone="+507 6000-0000", actor="staff-ana", engine=fresh)
    with db.session(fresh) as s:
        assert main_type(s, onpar) is None  # nothing is guessed
    api.update(onpar, types=("refugee", "legal"), actor="staff-ana", engine=fresh)
    with db.session(fresh) as s:
        assert main_type(s, onpar) == "refugee"
    trail = [a for a in api.audit_trail(onpar, engine=fresh) if a.field == "types"]
    assert (trail[-1].old_value, trail[-1].new_value) == (
        "legal; refugee; (no main purpose)",
        "refugee; legal",
    )
