"""Bad input to the CSV import, on SQLite and PostgreSQL (Hypothesis: `tests.fuzzing`): rows
of any text, injection in place names, formulas in cells; a file imported twice creates nothing
twice, and a formula goes out of the export as text a spreadsheet will not run."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from referral_directory.csv_io import (
    COLUMNS,
    escape_formula,
    export_csv,
    import_csv,
    unescape_formula,
)
from referral_directory.models import Service
from store import db
from tests.directory.test_csv_validate import _row, _write
from tests.fuzzing import examples, settings

_n = itertools.count(1)

#: what staff paste into a spreadsheet, and what someone hostile might
NASTY = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "Herrera'; DROP TABLE service; --",
            '=HYPERLINK("http://example.org/x","clic")',
            "=cmd|' /C calc'!A0",
            "+SUM(1,2)",
            "-2+3+cmd|' /C calc'!A0",
            "@SUM(A1)",
            "\t=1+1",
            "<script>alert(1)</script>",
            "Barrio Colón\x00",
            "corregimiento:Herrera; provincia:' OR 1=1 --",
            "Las Mañanitas" * 200,
        ]
    ),
)


def _services(engine: Engine) -> int:
    with db.session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(Service)) or 0)


@given(text=st.text())
def test_escaping_a_formula_reads_back_as_the_same_text(text: str) -> None:
    escaped = escape_formula(text)
    assert unescape_formula(escaped) == text
    if text.startswith(("=", "@", "\t", "\r")):
        assert escaped == "'" + text  # never a formula in a spreadsheet


@settings(max_examples=examples(8))
@given(
    name=NASTY,
    place=NASTY,
    scope=NASTY,
    phone=NASTY,
    coordinates=st.tuples(NASTY, NASTY),
)
def test_any_cell_is_an_error_with_a_line_or_a_service_and_twice_is_once(
    fresh: Engine,
    tmp_path_factory: object,
    name: str,
    place: str,
    scope: str,
    phone: str,
    coordinates: tuple[str, str],
) -> None:
    folder = Path(str(tmp_path_factory.mktemp("csv")))  # type: ignore[attr-defined]
    unique = f"Servicio prueba fuzz {next(_n)} "
    rows = [
        _row(name=unique + name, corregimiento=place, phone=phone,
             latitude=coordinates[0], longitude=coordinates[1]),
        _row(name=unique + "b", scope=scope),
    ]  # fmt: skip
    path = _write(folder / "new.csv", rows)
    before = _services(fresh)
    first = import_csv(path, actor="staff-test", engine=fresh)
    if first.errors:  # all or nothing: a bad row keeps the whole file out, and says where
        assert not first.written and _services(fresh) == before
        assert all(e.line >= 2 and e.reason for e in first.errors)  # (a cell may hold newlines)
        return
    assert first.created == 2 and _services(fresh) == before + 2
    second = import_csv(path, actor="staff-test", engine=fresh)
    assert second.errors == [] and second.created == 0
    assert _services(fresh) == before + 2


def test_the_same_new_service_twice_in_one_file_is_an_error(fresh: Engine, tmp_path: Path) -> None:
    row = _row(name="Servicio repetido")
    twin = _row(name="  servicio   REPETIDO ")
    report = import_csv(_write(tmp_path / "twice.csv", [row, twin]), engine=fresh)
    assert [(e.line, e.reason) for e in report.errors] == [(3, "the same service as line 2")]


def test_a_formula_in_a_cell_leaves_the_export_as_text_and_comes_back_unchanged(
    fresh: Engine, tmp_path: Path
) -> None:
    formula = '=HYPERLINK("http://example.org/x","Clic aquí")'
    rows = [_row(name=formula, phone="+507 6000-0000", description="@SUM(A1)")]
    assert import_csv(_write(tmp_path / "in.csv", rows), engine=fresh).written
    out = tmp_path / "out.csv"
    export_csv(out, engine=fresh)
    [exported] = [r for r in csv.DictReader(out.open(encoding="utf-8")) if "HYPERLINK" in r["name"]]
    assert exported["name"] == "'" + formula
    assert exported["description"] == "'@SUM(A1)"
    assert exported["phone"] == "+507 6000-0000"  # a phone number is not a formula
    assert all(not exported[c].startswith(("=", "@")) for c in COLUMNS)
    before = _services(fresh)
    again = import_csv(out, engine=fresh)
    assert again.errors == [] and again.created == 0 and _services(fresh) == before
    assert again.updated == 0  # the apostrophe is not read as a change of name
