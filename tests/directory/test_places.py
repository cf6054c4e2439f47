"""The places file: every distrito of the provincias de Panamá and Panamá Oeste with all its
corregimientos, consistent, and the NLU data follows it."""

from pathlib import Path

import pytest
from sqlalchemy import Engine

from nlu.components.place_matcher import PlaceMatcher
from referral_directory.placedb import place_index
from referral_directory.places import PlacesFileError, load_places
from text import fold
from tools import nlu_export

PROGRAMME = {
    "Las Mañanitas": ("Panamá", "Panamá"),
    "Omar Torrijos": ("San Miguelito", "Panamá"),
    "Amelia Denis de Icaza": ("San Miguelito", "Panamá"),
    "Herrera": ("La Chorrera", "Panamá Oeste"),
    "Barrio Colón": ("La Chorrera", "Panamá Oeste"),
    "Barrio Balboa": ("La Chorrera", "Panamá Oeste"),
}


def test_programme_corregimientos_are_the_six_of_the_design() -> None:
    places = load_places()
    assert {c.name: (c.distrito, c.provincia) for c in places.programme} == PROGRAMME


#: every distrito of the two provincias (Wikipedia's district pages; see the file's sources)
DISTRITOS = {
    "Panamá": "Panamá",
    "San Miguelito": "Panamá",
    "Balboa": "Panamá",
    "Chepo": "Panamá",
    "Chimán": "Panamá",
    "Taboga": "Panamá",
    "La Chorrera": "Panamá Oeste",
    "Arraiján": "Panamá Oeste",
    "Capira": "Panamá Oeste",
    "Chame": "Panamá Oeste",
    "San Carlos": "Panamá Oeste",
}

#: corregimientos per distrito. Chepo has 8 and Arraiján may have 9: the comarca de Madungandí
#: and Vacamonte wait for staff to confirm their official names (the file's sources)
COUNTS = {
    "Panamá": 26,
    "San Miguelito": 9,
    "Balboa": 6,
    "Chepo": 7,
    "Chimán": 5,
    "Taboga": 3,
    "La Chorrera": 18,
    "Arraiján": 8,
    "Capira": 13,
    "Chame": 11,
    "San Carlos": 9,
}


def test_every_distrito_of_both_provincias() -> None:
    assert {d.name: d.parent for d in load_places().distritos} == DISTRITOS


@pytest.mark.parametrize(("distrito", "count"), COUNTS.items())
def test_every_corregimiento_of_each_distrito(distrito: str, count: int) -> None:
    assert sum(c.distrito == distrito for c in load_places().corregimientos) == count


def test_every_added_distrito_has_a_source() -> None:
    sources = load_places().sources
    for key in ("balboa", "chepo", "chiman", "taboga", "arraijan", "capira", "chame", "san_carlos"):
        assert "https://es.wikipedia.org/wiki/Distrito_de_" in sources[key]
        assert "not re-read" in sources[key] and "confirm" in sources[key]


def test_a_distrito_name_is_no_corregimiento_name() -> None:
    """A bare distrito name ("vivo en capira") is the distrito, as "la chorrera" is: the
    cabecera that shares it is "Capira (Cabecera)", so the NLU does not take a distrito named
    before the corregimiento ("arraijan, burunga") for the place. San Miguel (Balboa) is a
    name of its own that San Miguelito's alias happens to share: it needs a place cue, and the
    directory asks which one was meant."""
    places = load_places()
    distrito_forms = {fold(f) for d in places.distritos for f in (d.name, *d.aliases)}
    clashes = {
        c.name
        for c in places.corregimientos
        for f in (c.name, *c.aliases)
        if fold(f) in distrito_forms
    }
    assert clashes == {"San Miguel"}
    assert next(c for c in places.corregimientos if c.name == "San Miguel").ambiguous


def test_coordinates_only_with_a_source() -> None:
    for c in load_places().corregimientos:
        if c.lat is not None:
            assert c.coordinates_source and -90 <= c.lat <= 90 and -180 <= c.lon <= 180  # type: ignore[operator]


def test_a_corregimiento_in_an_unknown_distrito_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "places.yaml"
    bad.write_text(
        "provincias: [{name: P}]\ndistritos: [{name: D, provincia: P}]\n"
        "corregimientos: [{name: C, distrito: Nowhere, provincia: P}]\n",
        encoding="utf-8",
    )
    with pytest.raises(PlacesFileError, match="Nowhere"):
        load_places(bad)


def test_generated_lookups_are_up_to_date() -> None:
    assert nlu_export.OUTPUT.read_text(encoding="utf-8") == nlu_export.render(load_places())


def test_generated_lookups_map_every_alias_to_its_official_name() -> None:
    text = nlu_export.render(load_places())
    assert "- synonym: Barrio Balboa\n" in text
    block = text.split("- synonym: Barrio Balboa\n", 1)[1].split("\n- ", 1)[0]
    assert "    - b. balboa" in block and "    - barrio balboa" in block
    assert "- lookup: corregimiento_needs_cue" in text


def _matcher() -> PlaceMatcher:
    """The NLU's place matcher on the places file's names (what `make generate` gives it)."""
    places = load_places()
    aliases = {f: c.name for c in places.corregimientos for f in (c.name, *c.aliases)}
    return PlaceMatcher(aliases, frozenset(c.name for c in places.corregimientos if c.ambiguous))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vivo en vista alegre", ["Vista Alegre"]),
        ("estoy en burunga", ["Burunga"]),
        ("i live in nuevo emperador", ["Nuevo Emperador"]),
        ("vivo en veracruz", ["Veracruz"]),
        ("juan demostenes arosemena", ["Juan Demóstenes Arosemena"]),
        ("estoy en nueva gorgona", ["Nueva Gorgona"]),
        ("i live in arraijan, burunga", ["Burunga"]),
        ("im in panama oeste, arraijan, nuevo emperador", ["Nuevo Emperador"]),
        ("vivo en capira cabecera", ["Capira (Cabecera)"]),
        # a distrito: the directory resolves it (no corregimiento to the NLU)
        ("vivo en capira", []),
        ("vivo en taboga", []),  # not Saboga, one letter away
        # everyday words and names
        ("mi hija guadalupe esta enferma", []),
        ("una chica me ayudo con los papeles", []),
        ("la campana de la iglesia", []),
        ("quiero un pedazo de torta", []),
        ("necesito un cepillo de dientes", []),
        ("vengo de trinidad", []),
    ],
)
def test_the_nlu_finds_the_new_places_and_no_everyday_word(text: str, expected: list[str]) -> None:
    assert [m.value for m in _matcher().find(text)] == expected


@pytest.mark.parametrize(
    ("query", "level", "name", "distrito"),
    [
        ("Vista Alegre", "corregimiento", "Vista Alegre", "Arraiján"),
        ("burunga", "corregimiento", "Burunga", "Arraiján"),
        ("nuevo emperador", "corregimiento", "Nuevo Emperador", "Arraiján"),
        ("vivo en vista alegre", "corregimiento", "Vista Alegre", "Arraiján"),
        ("Capira", "distrito", "Capira", "Capira"),
        ("vivo en capira", "distrito", "Capira", "Capira"),
        ("capira cabecera", "corregimiento", "Capira (Cabecera)", "Capira"),
        ("arraijan", "distrito", "Arraiján", "Arraiján"),
        ("juan d. arosemena", "corregimiento", "Juan Demóstenes Arosemena", "Arraiján"),
        ("chame", "distrito", "Chame", "Chame"),
        ("gorgona", "corregimiento", "Nueva Gorgona", "Chame"),
        ("san carlos", "distrito", "San Carlos", "San Carlos"),
        ("isla de taboga", "corregimiento", "Taboga (Cabecera)", "Taboga"),
        ("chepo", "distrito", "Chepo", "Chepo"),
    ],
)
def test_the_directory_resolves_the_new_places_with_their_distrito(
    seeded: Engine, query: str, level: str, name: str, distrito: str
) -> None:
    index = place_index(seeded)
    place = index.resolve(query).place
    assert place is not None and (place.level, place.name) == (level, name)
    chain = {n.level: n.name for n in index.ancestors(place.id)}
    assert chain["distrito"] == distrito


def test_san_miguel_is_asked_about_not_guessed(seeded: Engine) -> None:
    """San Miguelito's alias and Balboa's cabecera: the directory offers both."""
    resolution = place_index(seeded).resolve("san miguel")
    assert resolution.place is None
    assert set(resolution.suggestions) == {"San Miguelito", "San Miguel"}
