"""The HSDS mapping on its own (SQLite and PostgreSQL): paging, parameters, what is published.
The API over HTTP and the official schemas: tests/console/test_hsds.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile

import pytest
from sqlalchemy import Engine, select

from referral_directory import api, hsds
from referral_directory.models import Service
from referral_directory.placedb import place_index
from referral_directory.records import stable_id
from store import db

IOM = stable_id("service:oim-panama")


def test_the_page_envelope() -> None:
    page = hsds.PageInfo(number=3, per_page=10)
    body = page.envelope(25, [{"id": "a"}] * 5)
    assert body == {
        "total_items": 25,
        "total_pages": 3,
        "page_number": 3,
        "size": 5,
        "first_page": False,
        "last_page": True,
        "empty": False,
        "contents": [{"id": "a"}] * 5,
    }
    nothing = hsds.PageInfo(1, 50).envelope(0, [])
    assert nothing["total_pages"] == 1 and nothing["empty"] and nothing["last_page"]


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (lambda: hsds.parse_page("two", None), "page must be a whole number"),
        (lambda: hsds.parse_page("-1", None), "page must be 1 or more"),
        (lambda: hsds.parse_page(None, "201"), "per_page must be 1 to 200"),
        (lambda: hsds.parse_bool("si", "full"), "full must be true or false"),
        (lambda: hsds.parse_datetime("31/12/2025", "modified_after"), "ISO 8601"),
    ],
)
def test_bad_parameters_say_what_would_do(call: object, says: str) -> None:
    with pytest.raises(hsds.ParamError, match=says):
        call()  # type: ignore[operator]


def test_good_parameters() -> None:
    assert hsds.parse_page(None, None) == hsds.PageInfo(1, hsds.DEFAULT_PER_PAGE)
    assert hsds.parse_bool("TRUE", "full") and not hsds.parse_bool("", "full")
    assert hsds.parse_datetime("2025-01-02", "x") == dt.datetime(2025, 1, 2, tzinfo=dt.UTC)
    assert hsds.parse_datetime("2025-01-02T03:04:05Z", "x") == dt.datetime(
        2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC
    )


def test_only_active_services_and_their_organizations(seeded: Engine) -> None:
    index = place_index(seeded)
    with db.session(seeded) as s:
        active = set(s.scalars(select(Service.id).where(Service.status == "active")))
        closed = set(s.scalars(select(Service.id).where(Service.status != "active")))
        total, items = hsds.service_page(s, hsds.Query(), index, None)
        assert {x["id"] for x in items} == active and closed
        assert all(hsds.service(s, c, index) is None for c in closed)
        _, orgs = hsds.organizations(s, "", None)
        assert {o.id for o in orgs} == {x["organization_id"] for x in items}


def test_an_unknown_corregimiento_is_422_with_suggestions(seeded: Engine) -> None:
    with db.session(seeded) as s, pytest.raises(hsds.UnknownValue, match="did you mean Herrera"):
        hsds.service_page(s, hsds.Query(corregimiento="Herrerra"), place_index(seeded), None)


def test_a_closed_service_leaves_the_open_data(fresh: Engine) -> None:
    index = place_index(fresh)
    api.close(IOM, "defunct", engine=fresh)
    with db.session(fresh) as s:
        assert hsds.service(s, IOM, index) is None
        archive = zipfile.ZipFile(io.BytesIO(hsds.tabular_zip(s, index)))
    services = list(csv.DictReader(io.StringIO(archive.read("services.csv").decode())))
    assert IOM not in {row["id"] for row in services}
    assert {row["status"] for row in services} == {"active"}
    package = json.loads(archive.read("datapackage.json"))
    counts = {r["path"]: r["count"] for r in package["resources"]}
    assert counts["services.csv"] == len(services)
