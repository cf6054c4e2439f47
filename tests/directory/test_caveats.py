"""The confidence of each fact: a value its source does not confirm keeps its caveat from the
seed into the directory and the search, loses it when staff change or clear it, and reaches a
directory loaded before there were caveats."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, delete

from referral_directory import api, csv_io
from referral_directory.models import ValueCaveat
from referral_directory.records import RecordError, stable_id
from referral_directory.seed import STATUS_CAVEATS, load_seed
from store import db
from tests.directory.conftest import SEED_DIR

LUISA = stable_id("service:pmh-hogar-luisa")
MITRADEL = stable_id("service:mitradel-permiso-trabajo")
CENTRE = stable_id("service:municipio-la-chorrera-centro-atencion")
IOM = stable_id("service:oim-panama")


def test_the_seed_marks_what_its_notes_do_not_confirm(seeded: Engine) -> None:
    luisa = api.get(LUISA, engine=seeded)
    assert luisa.caveats == {
        "phone": "Published in August 2025 as the number for coordinating visits to Hogar "
        "Luisa; not confirmed as an intake line for migrants."
    }
    # the phone's note is a caveat; the address's ("Stated in a June 2020 notice.") is not
    assert set(api.get(MITRADEL, engine=seeded).caveats) == {"phone"}
    assert api.get(CENTRE, engine=seeded).caveats == {"status": STATUS_CAVEATS[
        "municipio-la-chorrera-centro-atencion"]}  # fmt: skip
    assert api.get(IOM, engine=seeded).caveats == {}


def test_every_description_that_doubts_the_service_runs_has_a_status_caveat() -> None:
    entries = yaml.safe_load((SEED_DIR / "services.yaml").read_text(encoding="utf-8"))
    doubted = {
        e["id"]
        for e in entries
        if re.search(r"no se confirmó que siga funcionando", e.get("description_es") or "", re.I)
    }
    assert doubted and doubted <= set(STATUS_CAVEATS)


def test_the_search_says_which_shown_values_are_unconfirmed(seeded: Engine) -> None:
    found = api.search("Herrera", service_type="shelter", limit=100, engine=seeded)["services"]
    luisa = next(h for h in found if h["id"] == LUISA)
    assert luisa["unconfirmed"] == ["phone"]
    assert all(h["unconfirmed"] == [] for h in found if h["id"] == IOM)


def test_staff_clear_a_caveat_or_change_the_value_and_it_is_confirmed(fresh: Engine) -> None:
    api.update(MITRADEL, caveats={}, actor="staff-ana", engine=fresh)
    assert api.get(MITRADEL, engine=fresh).caveats == {}
    trail = [a for a in api.audit_trail(MITRADEL, engine=fresh) if a.actor == "staff-ana"]
    assert [(a.field, a.new_value) for a in trail] == [("caveats", None)]

    api.update(LUISA, phone="+507 6000-0000", actor="staff-ana", engine=fresh)
    assert api.get(LUISA, engine=fresh).caveats == {}
    # a reload of the seed gives back neither: staff decided
    load_seed(fresh, seed_dir=SEED_DIR)
    assert api.get(MITRADEL, engine=fresh).caveats == {}
    assert api.get(LUISA, engine=fresh).caveats == {}


def test_a_caveat_is_on_a_value_it_can_be_on(fresh: Engine) -> None:
    with pytest.raises(RecordError, match="which has no value"):
        api.update(IOM, caveats={"hours": "not confirmed"}, engine=fresh)
    with pytest.raises(RecordError, match="only status"):
        api.update(IOM, caveats={"name": "not confirmed"}, engine=fresh)
    with pytest.raises(RecordError, match="is empty"):
        api.update(IOM, caveats={"phone": " "}, engine=fresh)


def test_caveats_reach_a_directory_loaded_before_them(fresh: Engine) -> None:
    with db.session(fresh) as s:
        s.execute(delete(ValueCaveat))
    assert api.get(LUISA, engine=fresh).caveats == {}
    report = load_seed(fresh, seed_dir=SEED_DIR)
    assert report.services_caveated >= 3
    assert "phone" in api.get(LUISA, engine=fresh).caveats
    assert load_seed(fresh, seed_dir=SEED_DIR).services_caveated == 0


def test_caveats_go_out_and_back_in_a_csv(fresh: Engine, tmp_path: Path) -> None:
    out = tmp_path / "services.csv"
    csv_io.export_csv(out, engine=fresh)
    api.update(LUISA, caveats={}, engine=fresh)
    report = csv_io.import_csv(out, engine=fresh)
    assert not report.errors, report.errors
    assert api.get(LUISA, engine=fresh).caveats["phone"].startswith("Published in August 2025")
