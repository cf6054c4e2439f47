"""The seed loads whole, keeps every value's source, fills nothing in, and closes what its
sources say is closed."""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, func, select

from referral_directory import api, cli
from referral_directory.models import (
    Organization,
    Phone,
    Place,
    PlaceAlias,
    Service,
    TaxonomyTerm,
    ValueSource,
)
from referral_directory.placedb import place_index
from referral_directory.records import stable_id, write_record
from referral_directory.search import search
from referral_directory.seed import SEED_ACTOR, load_seed
from store import db
from tests.directory.conftest import SEED_DIR


def _count(engine: Engine, model: type) -> int:
    with db.session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_seed_counts(seeded: Engine) -> None:
    assert _count(seeded, Service) == 26
    assert _count(seeded, Organization) == 21
    assert _count(seeded, TaxonomyTerm) == 15
    # 53 corregimientos + 3 distritos + 2 provincias + the country
    assert _count(seeded, Place) == 59
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
