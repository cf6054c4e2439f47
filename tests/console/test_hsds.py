"""The public HSDS 3.0 API over real HTTP, every answer checked against the official schemas.

The schemas are Open Referral's (CC BY-SA 4.0), copied unchanged from ../shared/hsds into
tests/hsds_schema so a clean clone has them (HSDS_SCHEMA_DIR to point elsewhere): every list
page and every single object the API returns for the seed directory is validated, the filters
and ndjson are checked against the directory itself, and nothing that is not published (closed
services, flags, handoffs, the audit trail, staff's notes) appears.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from sqlalchemy import select

from casework.records import close_handoff, flag_service, open_handoff
from console import directory
from referral_directory import api
from referral_directory.models import Service, ValueSource
from referral_directory.records import stable_id
from store import db
from tests.console.stack import Console

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = Path(os.environ.get("HSDS_SCHEMA_DIR", ROOT / "tests" / "hsds_schema")) / "schema"
IOM = stable_id("service:oim-panama")


@cache
def _registry() -> Registry[Any]:
    if not SCHEMAS.is_dir():
        pytest.fail(f"the HSDS 3.0 schemas are missing: {SCHEMAS} (HSDS_SCHEMA_DIR)", pytrace=False)

    def retrieve(uri: str) -> Resource[Any]:
        return Resource.from_contents(json.loads((SCHEMAS / Path(uri).name).read_text()))

    return Registry(retrieve=retrieve)  # type: ignore[call-arg]


def validate(document: Any, schema_file: str) -> None:
    schema = json.loads((SCHEMAS / schema_file).read_text())
    validator = Draft202012Validator(
        schema, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def validate_page(page: dict[str, Any], item_schema: str) -> None:
    openapi = json.loads((SCHEMAS / "openapi.json").read_text())
    validate_with(page, openapi["components"]["schemas"]["Page"])
    assert set(page) >= {"total_items", "total_pages", "page_number", "size", "first_page",
                         "last_page", "empty", "contents"}  # fmt: skip
    assert page["size"] == len(page["contents"])
    for item in page["contents"]:
        validate(item, item_schema)


def validate_with(document: Any, schema: dict[str, Any]) -> None:
    errors = list(Draft202012Validator(schema).iter_errors(document))
    assert not errors, [e.message for e in errors[:5]]


@pytest.fixture(scope="module")
def client(stack: Console) -> httpx.Client:
    return httpx.Client(base_url=stack.url, timeout=20)


def everything(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every page of a listing, each validated on the way."""
    items, page = [], 1
    while True:
        answer = client.get(path, params={**params, "page": page, "per_page": 7})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items.extend(body["contents"])
        if body["last_page"]:
            return items
        page += 1


def active_ids() -> set[str]:
    with db.session() as s:
        return set(s.scalars(select(Service.id).where(Service.status == "active")))


def test_root_names_version_profile_and_openapi(client: httpx.Client) -> None:
    root = client.get("/hsds/").json()
    assert root["version"] == "3.0"
    assert root["profile"].startswith("https://")
    document = httpx.get(root["openapi_url"]).json()
    assert document["openapi"].startswith("3.")
    assert {"/", "/services", "/services/{id}", "/organizations", "/taxonomies",
            "/taxonomy_terms", "/service_at_locations"} <= set(document["paths"])  # fmt: skip
    names = [p.get("$ref", "") for p in document["paths"]["/services"]["get"]["parameters"]]
    assert "#/components/parameters/corregimiento" in names


def test_every_service_page_and_service_is_valid(client: httpx.Client) -> None:
    pages = []
    page = 1
    while True:
        body = client.get("/hsds/services", params={"page": page, "per_page": 10}).json()
        validate_page(body, "compiled/service_list.json")
        pages.append(body)
        if body["last_page"]:
            break
        page += 1
    listed = {s["id"] for p in pages for s in p["contents"]}
    assert listed == active_ids()
    assert pages[0]["first_page"] and pages[0]["total_items"] == len(listed)
    assert pages[0]["total_pages"] == len(pages) > 1
    for service_id in listed:
        one = client.get(f"/hsds/services/{service_id}").json()
        validate(one, "compiled/service.json")
        assert one["organization"]["id"] == one["organization_id"]
        assert one["attributes"], one["name"]
    iom = client.get(f"/hsds/services/{IOM}").json()
    assert iom["phones"] and iom["service_at_locations"][0]["location"]["addresses"]


def test_full_pages_are_fully_nested_and_valid(client: httpx.Client) -> None:
    body = client.get("/hsds/services", params={"full": "true", "per_page": 50}).json()
    for item in body["contents"]:
        validate(item, "compiled/service.json")
        assert "attributes" in item and "service_at_locations" in item


def test_organizations_taxonomies_terms_and_service_at_locations_are_valid(
    client: httpx.Client,
) -> None:
    for path, listing, single in (
        ("/hsds/organizations", "compiled/organization_list.json", "compiled/organization.json"),
        ("/hsds/taxonomies", "taxonomy.json", "taxonomy.json"),
        ("/hsds/taxonomy_terms", "taxonomy_term.json", "taxonomy_term.json"),
        (
            "/hsds/service_at_locations",
            "compiled/service_at_location_list.json",
            "compiled/service_at_location.json",
        ),
    ):
        first = client.get(path, params={"per_page": 7}).json()
        validate_page(first, listing)
        items = everything(client, path)
        assert items, path
        for item in items:
            validate(item, listing)
            one = client.get(f"{path}/{item['id']}")
            assert one.status_code == 200, (path, one.text)
            validate(one.json(), single)
    org = client.get("/hsds/organizations", params={"per_page": 1}).json()["contents"][0]
    nested = client.get(f"/hsds/organizations/{org['id']}", params={"full_service": "true"})
    validate(nested.json(), "compiled/organization.json")
    assert nested.json()["services"]


def test_ndjson_streams_every_result_without_paging(client: httpx.Client) -> None:
    answer = client.get("/hsds/services", params={"format": "ndjson", "per_page": 2})
    assert answer.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in answer.text.splitlines()]
    assert {x["id"] for x in lines} == active_ids()
    for item in lines:
        validate(item, "compiled/service_list.json")
    orgs = client.get("/hsds/organizations", params={"format": "ndjson"}).text.splitlines()
    assert len(orgs) == client.get("/hsds/organizations").json()["total_items"]


def ids(client: httpx.Client, **params: Any) -> set[str]:
    return {x["id"] for x in everything(client, "/hsds/services", **params)}


def test_corregimiento_takes_in_its_distrito_provincia_and_the_nation(client: httpx.Client) -> None:
    records = directory.services(status="active")
    national = {r.id for r in records if r.scope == ("national",)}
    chorrera = {r.id for r in records if r.scope == ("distrito:La Chorrera",)}
    torrijos = {r.id for r in records if r.scope == ("corregimiento:Omar Torrijos",)}
    assert national and chorrera and torrijos
    herrera = ids(client, corregimiento="Herrera")
    assert herrera == ids(client, corregimiento="herrera")  # as people write it
    assert national | chorrera <= herrera
    assert not torrijos & herrera
    mananitas = ids(client, corregimiento="Las Mananitas")
    assert national <= mananitas and not chorrera & mananitas
    assert torrijos <= ids(client, corregimiento="Omar Torrijos")


def test_filters_combine_with_and(client: httpx.Client) -> None:
    terms = {t["code"]: t for t in everything(client, "/hsds/taxonomy_terms")}
    health = terms["health"]["id"]
    by_term = ids(client, taxonomy_term_id=health)
    expected = {r.id for r in directory.services(status="active") if "health" in r.types}
    assert by_term == expected
    herrera = ids(client, corregimiento="Herrera")
    both = ids(client, corregimiento="Herrera", taxonomy_term_id=health)
    assert both == by_term & herrera and both < by_term
    iom = client.get(f"/hsds/services/{IOM}").json()
    of_org = everything(client, "/hsds/services", organization_id=iom["organization_id"])
    assert IOM in {x["id"] for x in of_org}
    assert all(x["organization_id"] == iom["organization_id"] for x in of_org)
    assert ids(client, organization_id=iom["organization_id"], taxonomy_term_id=health) == (
        {x["id"] for x in of_org} & by_term
    )
    assert ids(client, taxonomy_id=terms["health"]["taxonomy_id"]) == active_ids()
    assert ids(client, taxonomy_id=stable_id("nothing")) == set()
    found = ids(client, search="oim")
    assert IOM in found and len(found) < len(active_ids())
    assert ids(client, modified_after="2999-01-01T00:00:00Z") == set()
    assert ids(client, modified_after="2000-01-01") == active_ids()
    minimal = client.get("/hsds/services", params={"minimal": "true", "per_page": 200}).json()
    assert {x["id"] for x in minimal["contents"]} == active_ids()
    assert all(set(x) <= {"id", "name", "status", "last_modified"} for x in minimal["contents"])


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"page": "x"}, 400, "page"),
        ({"page": "0"}, 400, "page"),
        ({"per_page": "100000"}, 400, "per_page"),
        ({"full": "maybe"}, 400, "full"),
        ({"minimal": "true", "full": "true"}, 400, "minimal"),
        ({"format": "xml"}, 400, "format"),
        ({"modified_after": "yesterday"}, 400, "modified_after"),
        ({"corregimiento": "Atlántida"}, 422, "corregimiento"),
    ],
)
def test_bad_parameters_get_a_message(
    client: httpx.Client, params: dict[str, str], status: int, says: str
) -> None:
    answer = client.get("/hsds/services", params=params)
    assert answer.status_code == status
    assert says in answer.json()["error"]


def test_unknown_ids_are_404(client: httpx.Client) -> None:
    for path in (
        "services",
        "organizations",
        "taxonomies",
        "taxonomy_terms",
        "service_at_locations",
    ):
        answer = client.get(f"/hsds/{path}/{stable_id('nothing')}")
        assert answer.status_code == 404
        assert answer.json()["error"]


def test_nothing_private_is_published(client: httpx.Client) -> None:
    closed = stable_id("service:oim-panama")
    flag_id = flag_service(closed, "wrong_data")
    handoff_id = open_handoff(
        conversation_key="k" * 64,
        channel="telegram",
        language="es",
        topic="ask_health",
        corregimiento="Herrera",
        summary="Llámame al +507 6000-0099",  # no service of any test has it
        consented=True,
    )
    with db.session() as s:
        # staff's notes of what is still to confirm (a note of one word names only a field)
        notes = [v.note for v in s.scalars(select(ValueSource)) if v.note and " " in v.note]
    api.close(closed, "temporarily closed", actor="staff@example.org")
    try:
        every = client.get("/hsds/services", params={"format": "ndjson", "full": "true"}).text
        assert closed not in every
        assert client.get(f"/hsds/services/{closed}").status_code == 404
        dump = every + "".join(
            client.get(f"/hsds/{p}", params={"format": "ndjson"}).text
            for p in ("organizations", "taxonomies", "taxonomy_terms", "service_at_locations")
        )
        export = zipfile.ZipFile(io.BytesIO(client.get("/hsds/export.zip").content))
        dump += "".join(export.read(n).decode() for n in export.namelist())
        for private in ("6000-0099", "k" * 32, "staff@example.org", "wrong_data", "audit"):
            assert private not in dump
        assert notes and not [n for n in notes if n in dump]
    finally:
        api.update(closed, status="active", actor="staff@example.org")
        close_handoff(handoff_id)
        directory.resolve_flag(flag_id)


def test_tabular_export_has_the_csv_files_and_datapackage(client: httpx.Client) -> None:
    answer = client.get("/hsds/export.zip")
    assert answer.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    package = json.loads(archive.read("datapackage.json"))
    assert package["profile"] == "tabular-data-package"
    paths = {r["path"] for r in package["resources"]}
    assert {"services.csv", "organizations.csv", "locations.csv", "phones.csv",
            "taxonomy_terms.csv", "attributes.csv", "service_at_location.csv"} <= paths  # fmt: skip
    assert paths | {"datapackage.json"} == set(archive.namelist())
    services = archive.read("services.csv").decode().splitlines()
    assert services[0].startswith("id,organization_id,name")
    assert len(services) - 1 == len(active_ids())
    for resource in package["resources"]:
        header = archive.read(resource["path"]).decode().splitlines()[0].split(",")
        assert header == [f["name"] for f in resource["schema"]["fields"]]
