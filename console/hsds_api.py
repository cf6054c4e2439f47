"""The public, read-only HSDS 3.0 API under /hsds/: no login, GET only, JSON (or ndjson).

A Flask blueprint outside Flask-Admin, so that it needs no session and no account; it only
parses the query and renders what referral_directory.hsds returns. A bad parameter gets 400
(malformed) or 422 (well formed but unknown, such as a corregimiento that is not one), with a
message; an unknown id 404.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from referral_directory import hsds
from referral_directory.placedb import place_index
from store import db

OPENAPI_FILE = Path(__file__).resolve().parent / "hsds_openapi.json"
NDJSON = "application/x-ndjson"

blueprint = Blueprint("hsds", __name__, url_prefix="/hsds")


@blueprint.errorhandler(hsds.ParamError)
def _bad_param(exc: hsds.ParamError) -> tuple[Response, int]:
    status = 422 if isinstance(exc, hsds.UnknownValue) else 400
    return jsonify({"error": str(exc), "status": status}), status


@blueprint.errorhandler(HTTPException)
def _http(exc: HTTPException) -> tuple[Response, int]:
    code = exc.code or 500
    return jsonify({"error": exc.description, "status": code}), code


def _format() -> str:
    chosen = request.args.get("format", "json").strip().lower() or "json"
    if chosen not in ("json", "ndjson"):
        raise hsds.ParamError(f"format must be json or ndjson, not {chosen!r}")
    return chosen


def _page() -> hsds.PageInfo:
    return hsds.parse_page(request.args.get("page"), request.args.get("per_page"))


def _paging() -> hsds.PageInfo | None:
    """The page asked for, or None for ndjson, which gives every result."""
    return None if _format() == "ndjson" else _page()


def _ndjson(items: list[dict[str, Any]]) -> Response:
    return Response(hsds.ndjson(items), mimetype=NDJSON)


def _listing(total: int, items: list[dict[str, Any]], page: hsds.PageInfo | None) -> Response:
    if page is None:
        return _ndjson(items)
    return jsonify(page.envelope(total, items))


def _slice(items: list[dict[str, Any]]) -> Response:
    """A listing computed whole (taxonomies and terms are a few dozen rows)."""
    if _format() == "ndjson":
        return _ndjson(items)
    page = _page()
    start = (page.number - 1) * page.per_page
    return jsonify(page.envelope(len(items), items[start : start + page.per_page]))


def _one(found: dict[str, Any] | None, missing: str) -> Response:
    if found is None:
        abort(404, description=missing)
    return jsonify(found)


@blueprint.get("/")
def root() -> Response:
    return jsonify(
        {
            "version": hsds.HSDS_VERSION,
            "profile": hsds.PROFILE,
            "openapi_url": url_for("hsds.openapi", _external=True),
        }
    )


@cache
def _openapi_template() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    return loaded


@blueprint.get("/openapi.json")
def openapi() -> Response:
    document = copy.deepcopy(_openapi_template())
    document["servers"] = [{"url": url_for("hsds.root", _external=True).rstrip("/")}]
    return jsonify(document)


@blueprint.get("/services")
def services() -> Response:
    args = request.args
    query = hsds.Query(
        search=args.get("search", "").strip(),
        taxonomy_term_id=args.get("taxonomy_term_id", "").strip(),
        taxonomy_id=args.get("taxonomy_id", "").strip(),
        organization_id=args.get("organization_id", "").strip(),
        modified_after=hsds.parse_datetime(args.get("modified_after"), "modified_after"),
        corregimiento=args.get("corregimiento", "").strip(),
    )
    full = hsds.parse_bool(args.get("full"), "full")
    is_minimal = hsds.parse_bool(args.get("minimal"), "minimal")
    if full and is_minimal:
        raise hsds.ParamError("full and minimal cannot both be true")
    page = _paging()
    index = place_index()
    with db.session() as s:
        total, items = hsds.service_page(s, query, index, page, full=full)
    return _listing(total, hsds.minimal(items) if is_minimal else items, page)


@blueprint.get("/services/<service_id>")
def service(service_id: str) -> Response:
    with db.session() as s:
        found = hsds.service(s, service_id, place_index())
    return _one(found, f"no published service {service_id}")


@blueprint.get("/organizations")
def organizations() -> Response:
    page = _paging()
    full = hsds.parse_bool(request.args.get("full_service"), "full_service")
    with db.session() as s:
        total, rows = hsds.organizations(s, request.args.get("search", "").strip(), page)
        items = [hsds.organization_json(o) for o in rows]
        if full:
            index = place_index()
            items = [hsds.organization(s, o.id, index, full=True) or {} for o in rows]
    return _listing(total, items, page)


@blueprint.get("/organizations/<org_id>")
def organization(org_id: str) -> Response:
    full = hsds.parse_bool(request.args.get("full_service"), "full_service")
    with db.session() as s:
        found = hsds.organization(s, org_id, place_index(), full=full)
    return _one(found, f"no organization {org_id} with a published service")


@blueprint.get("/taxonomies")
def taxonomies() -> Response:
    with db.session() as s:
        items = hsds.taxonomies(s, request.args.get("search", "").strip())
    return _slice(items)


@blueprint.get("/taxonomies/<taxonomy_id>")
def taxonomy(taxonomy_id: str) -> Response:
    with db.session() as s:
        found = next((t for t in hsds.taxonomies(s) if t["id"] == taxonomy_id), None)
    return _one(found, f"no taxonomy {taxonomy_id}")


@blueprint.get("/taxonomy_terms")
def taxonomy_terms() -> Response:
    with db.session() as s:
        items = hsds.taxonomy_terms(
            s,
            request.args.get("search", "").strip(),
            request.args.get("taxonomy_id", "").strip(),
        )
    return _slice(items)


@blueprint.get("/taxonomy_terms/<term_id>")
def taxonomy_term(term_id: str) -> Response:
    with db.session() as s:
        found = hsds.taxonomy_term(s, term_id)
    return _one(found, f"no taxonomy term {term_id}")


@blueprint.get("/service_at_locations")
def service_at_locations() -> Response:
    page = _paging()
    full = hsds.parse_bool(request.args.get("full"), "full")
    with db.session() as s:
        total, items = hsds.services_at_locations(s, place_index(), page, full=full)
    return _listing(total, items, page)


@blueprint.get("/service_at_locations/<sal_id>")
def service_at_location(sal_id: str) -> Response:
    with db.session() as s:
        found = hsds.service_at_location(s, sal_id, place_index())
    return _one(found, f"no published service at location {sal_id}")


@blueprint.get("/export.zip")
def export() -> Response:
    """The HSDS tabular format: one CSV file a table and datapackage.json, zipped."""
    with db.session() as s:
        data = hsds.tabular_zip(s, place_index())
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": "attachment; filename=hsds-panama.zip"},
    )
