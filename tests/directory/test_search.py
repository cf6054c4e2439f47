"""Search answers the issue's examples in both languages, and never guesses a wrong place."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

from referral_directory import api, cli
from referral_directory.records import ServiceRecord, stable_id
from referral_directory.search import SearchError, search

SHAPE_PLACE = {"query", "resolved", "level", "suggestions"}
SHAPE_SERVICE = {
    "id", "name", "organization", "types", "corregimiento", "distrito", "address", "phone",
    "hours", "languages", "assured_date", "unconfirmed", "match_level", "distance_km",
}  # fmt: skip
LEVELS = ["corregimiento", "distrito", "provincia", "national"]


def _check_order(services: list[dict[str, object]]) -> None:
    ranks = [LEVELS.index(str(s["match_level"])) for s in services]
    assert ranks == sorted(ranks)


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize(
    ("query", "official", "distrito"),
    [
        ("las mananitas", "Las Mañanitas", "Panamá"),
        ("amelia denis", "Amelia Denis de Icaza", "San Miguelito"),
        ("b. balboa", "Barrio Balboa", "La Chorrera"),
        ("omar torrijo", "Omar Torrijos", "San Miguelito"),
        ("OMAR TORRIJOS", "Omar Torrijos", "San Miguelito"),
        ("herera", "Herrera", "La Chorrera"),
    ],
)
def test_examples_resolve_and_fall_back_level_by_level(
    seeded: Engine, query: str, official: str, distrito: str, lang: str
) -> None:
    answer = search(query, lang=lang, limit=50, engine=seeded)
    assert set(answer["place"]) == SHAPE_PLACE
    assert answer["place"]["resolved"] == official
    assert answer["place"]["level"] == "corregimiento"
    assert answer["place"]["suggestions"] == []
    services = answer["services"]
    assert services and all(set(s) == SHAPE_SERVICE for s in services)
    _check_order(services)  # type: ignore[arg-type]
    assert services[-1]["match_level"] == "national"
    assert len({s["id"] for s in services}) == len(services)
    for s in services:
        if s["match_level"] in ("corregimiento", "distrito"):
            assert s["distrito"] == distrito


def test_las_mananitas_first_the_shelter_there_then_its_distrito(seeded: Engine) -> None:
    es = search("las mananitas", engine=seeded)["services"]
    en = search("las mananitas", lang="en", engine=seeded)["services"]
    assert es[0]["match_level"] == en[0]["match_level"] == "corregimiento"
    assert es[0]["id"] == en[0]["id"] == stable_id("service:fe-y-alegria-migrantes")
    assert es[0]["name"].startswith("Ayuda humanitaria")
    assert en[0]["name"].startswith("Humanitarian aid")
    assert es[0]["assured_date"] is None
    # then its distrito: the Calidonia centre (the Tocumen health centre is temporarily closed)
    assert es[1]["id"] == stable_id("service:centro-san-juan-pablo-ii")
    assert es[1]["match_level"] == "distrito"
    assert stable_id("service:minsa-centro-salud-tocumen") not in {s["id"] for s in es + en}


def test_omar_torrijos_has_the_san_isidro_polyclinic_with_its_sourced_hours(
    seeded: Engine,
) -> None:
    first = search("omar torrijo", lang="en", engine=seeded)["services"][0]
    assert first["id"] == stable_id("service:minsa-policentro-san-isidro")
    assert first["match_level"] == "corregimiento"
    assert (first["corregimiento"], first["distrito"]) == ("Omar Torrijos", "San Miguelito")
    assert first["phone"] is None  # not confirmed in any source: stays empty
    assert "24 horas" in (first["hours"] or "")


def test_la_chorrera_services_come_before_national_ones(seeded: Engine) -> None:
    services = search("b. balboa", limit=5, engine=seeded)["services"]
    assert [s["match_level"] for s in services[:3]] == ["distrito"] * 3
    assert services[3]["match_level"] == "national"


@pytest.mark.parametrize(
    "query", ["xyzzy", "Springfield", "🙂🙂🙂", "a" * 5000, "   ", "<script>", "los dias"]
)
def test_unknown_or_odd_place_gives_no_guess(seeded: Engine, query: str) -> None:
    answer = search(query, engine=seeded)
    assert answer["place"]["resolved"] is None
    assert answer["place"]["level"] is None
    assert answer["services"] == []
    json.dumps(answer)


def test_unknown_place_suggests_close_names(seeded: Engine) -> None:
    answer = search("san miguelit0 norte", engine=seeded)
    assert answer["place"]["resolved"] is None
    assert "San Miguelito" in answer["place"]["suggestions"]


def test_emoji_around_a_place_still_resolves(seeded: Engine) -> None:
    assert search("🙂 Herrera 🙏", engine=seeded)["place"]["resolved"] == "Herrera"


def test_distrito_and_provincia_queries(seeded: Engine) -> None:
    chorrera = search("chorrera", engine=seeded)
    assert (chorrera["place"]["resolved"], chorrera["place"]["level"]) == (
        "La Chorrera",
        "distrito",
    )
    assert chorrera["services"][0]["match_level"] == "distrito"
    oeste = search("panama oeste", engine=seeded)
    assert oeste["place"]["level"] == "provincia"


def test_type_filter(seeded: Engine) -> None:
    services = search("herrera", service_type="gbv", limit=50, engine=seeded)["services"]
    assert services and all("gbv" in s["types"] for s in services)
    assert services[0]["id"] == stable_id("service:municipio-la-chorrera-centro-atencion")
    with pytest.raises(SearchError):
        search("herrera", service_type="astrology", engine=seeded)


def test_closed_services_are_not_found(fresh: Engine) -> None:
    sid = stable_id("service:fe-y-alegria-migrantes")
    api.close(sid, "temporarily closed", actor="staff-test", engine=fresh)
    ids = [s["id"] for s in search("las mananitas", limit=50, engine=fresh)["services"]]
    assert sid not in ids


def test_near_orders_by_distance_within_a_level(fresh: Engine) -> None:
    points = {"far": (9.20, -79.30), "near": (9.071, -79.458), "middle": (9.10, -79.42)}
    for label, (lat, lon) in points.items():
        api.create(
            ServiceRecord(
                organization="Organización de prueba",
                name=f"Servicio de prueba {label}",
                types=("food",),
                scope=("corregimiento:Rufina Alfaro",),
                corregimiento="Rufina Alfaro",
                latitude=lat,
                longitude=lon,
                phone="+507 6000-0000",
                email="user@example.org",
            ),
            actor="staff-test",
            engine=fresh,
        )
    answer = search("rufina alfaro", near=(9.07, -79.46), service_type="food", engine=fresh)
    top = answer["services"][:3]
    assert [s["name"].split()[-1] for s in top] == ["near", "middle", "far"]
    assert [s["match_level"] for s in top] == ["corregimiento"] * 3
    distances = [s["distance_km"] for s in top]
    assert distances[0] is not None and distances == sorted(distances)  # type: ignore[type-var]
    # Rufina Alfaro has coordinates in the places file: they are the default reference
    default = search("rufina alfaro", service_type="food", engine=fresh)["services"][0]
    assert default["name"].endswith("near") and default["distance_km"] is not None


def test_cli_search_json(
    seeded: Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", seeded.url.render_as_string(hide_password=False))
    code = cli.main(["search", "--place", "omar torrijo", "--lang", "en", "--limit", "3", "--json"])
    assert code == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["place"]["resolved"] == "Omar Torrijos"
    assert len(answer["services"]) == 3
    assert cli.main(["search", "--place", "nowhere at all"]) == 0
    assert "no encontrado" in capsys.readouterr().out
