"""The places file: complete for the three districts, consistent, and the NLU data follows it."""

from pathlib import Path

import pytest

from referral_directory.places import PlacesFileError, load_places
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


@pytest.mark.parametrize(
    ("distrito", "count"), [("Panamá", 26), ("San Miguelito", 9), ("La Chorrera", 18)]
)
def test_every_corregimiento_of_the_three_districts(distrito: str, count: int) -> None:
    assert sum(c.distrito == distrito for c in load_places().corregimientos) == count


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
