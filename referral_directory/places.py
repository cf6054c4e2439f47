"""The place hierarchy (corregimiento -> distrito -> provincia), read from the places file.

The file is the single source of truth for place names: the NLU lookup tables are generated
from it (`tools.nlu_export`) and the directory loads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PLACES_FILE = Path(__file__).parent / "data" / "places.yaml"


@dataclass(frozen=True)
class Corregimiento:
    name: str
    distrito: str
    provincia: str
    programme: bool = False
    aliases: tuple[str, ...] = ()
    ambiguous: bool = False
    lat: float | None = None
    lon: float | None = None
    coordinates_source: str | None = None


@dataclass(frozen=True)
class Area:
    """A distrito or provincia."""

    name: str
    parent: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Places:
    corregimientos: tuple[Corregimiento, ...]
    distritos: tuple[Area, ...]
    provincias: tuple[Area, ...]
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def programme(self) -> tuple[Corregimiento, ...]:
        return tuple(c for c in self.corregimientos if c.programme)


class PlacesFileError(ValueError):
    """The places file contradicts itself (unknown distrito, duplicate name, ...)."""


def load_places(path: Path = PLACES_FILE) -> Places:
    """Read and check the places file."""
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    provincias = tuple(
        Area(p["name"], None, tuple(p.get("aliases", []))) for p in raw["provincias"]
    )
    distritos = tuple(
        Area(d["name"], d["provincia"], tuple(d.get("aliases", []))) for d in raw["distritos"]
    )
    corregimientos = tuple(
        Corregimiento(
            name=c["name"],
            distrito=c["distrito"],
            provincia=c["provincia"],
            programme=bool(c.get("programme", False)),
            aliases=tuple(c.get("aliases", [])),
            ambiguous=bool(c.get("ambiguous", False)),
            lat=c.get("lat"),
            lon=c.get("lon"),
            coordinates_source=c.get("coordinates_source"),
        )
        for c in raw["corregimientos"]
    )
    places = Places(corregimientos, distritos, provincias, dict(raw.get("sources", {})))
    _check(places)
    return places


@cache
def default_places() -> Places:
    """The places file as shipped, read once per process: it changes only with a release, and
    the action server asked for it on every "where do you live?" (56 % of its time under load,
    most of it in the YAML parser)."""
    return load_places()


def _check(places: Places) -> None:
    provincia_names = {p.name for p in places.provincias}
    distrito_parent = {d.name: d.parent for d in places.distritos}
    seen: set[str] = set()
    for d in places.distritos:
        if d.parent not in provincia_names:
            raise PlacesFileError(f"distrito {d.name!r}: unknown provincia {d.parent!r}")
    for c in places.corregimientos:
        if c.name in seen:
            raise PlacesFileError(f"corregimiento {c.name!r} appears twice")
        seen.add(c.name)
        if distrito_parent.get(c.distrito) != c.provincia:
            raise PlacesFileError(
                f"corregimiento {c.name!r}: distrito {c.distrito!r} is not in {c.provincia!r}"
            )
        if (c.lat is None) != (c.lon is None) or (c.lat is not None and not c.coordinates_source):
            raise PlacesFileError(
                f"corregimiento {c.name!r}: coordinates need lat, lon and a source"
            )
