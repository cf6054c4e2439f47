"""Small counts never shown, and never recoverable by subtraction from what is shown."""

from __future__ import annotations

import itertools
import random

import pytest

from casework.suppression import HIDDEN, Protected, protect, protect_series


def _lines(p: Protected) -> list[tuple[list[int | None], int | None]]:
    """Every published sum: (its parts, its total)."""
    rows = [(list(cells), total) for cells, total in zip(p.cells, p.row_totals)]
    cols = [([row[c] for row in p.cells], p.col_totals[c]) for c in range(len(p.col_totals))]
    return [*rows, *cols, (list(p.col_totals), p.total), (list(p.row_totals), p.total)]


def _assert_safe(counts: list[list[int]], p: Protected) -> None:
    """No small count shown; no sum with exactly one hidden part and its total shown; what
    a shown total and its shown parts leave for the hidden parts is never a small number."""
    shown = [v for row in p.cells for v in row] + list(p.row_totals) + list(p.col_totals)
    assert all(v is None or v >= 5 for v in [*shown, p.total])
    for (parts, total), (real_parts, _real_total) in zip(_lines(p), _lines(protect_raw(counts))):
        hidden = [i for i, v in enumerate(parts) if v is None]
        if total is None or not hidden:
            continue
        assert len(hidden) >= 2, (parts, total)
        assert sum(real_parts[i] or 0 for i in hidden) >= 5, (parts, total)  # type: ignore[misc]


def protect_raw(counts: list[list[int]]) -> Protected:
    """The table with nothing hidden (threshold 0), to compare with."""
    return protect(counts, threshold=0)


def test_a_count_under_five_is_hidden() -> None:
    p = protect([[12, 30, 3], [8, 9, 40]])
    assert p.cells[0][2] is None
    assert p.shown(p.cells[0][2]) == HIDDEN


def test_a_two_by_two_with_its_margins_hides_all_four() -> None:
    """Hiding the 3 with its totals shown means its row, its column and the cell opposite:
    any cell left would give the others back."""
    p = protect([[12, 3], [8, 9]])
    assert p.cells == ((None, None), (None, None))
    assert (p.row_totals, p.col_totals, p.total) == ((15, 17), (20, 12), 32)


def test_the_subtraction_case_does_not_leak() -> None:
    """A naive table hides the 3 but shows the row total 15 and the 12: 15 - 12 = 3. The row
    needs a second hidden cell, and so does the column the second one sits in."""
    counts = [[12, 3, 20], [8, 9, 7], [30, 6, 11]]
    naive_row_total = sum(counts[0])
    p = protect(counts)
    assert p.cells[0][1] is None
    shown_in_row = [v for v in p.cells[0] if v is not None]
    # the row total is published: subtracting what is shown leaves two or more unknowns
    assert p.row_totals[0] == naive_row_total
    assert len(shown_in_row) <= 1
    assert p.complementary >= 1
    _assert_safe(counts, p)


def test_two_small_cells_that_add_to_a_small_number_are_not_enough() -> None:
    """1 and 2 hidden in a row with its total shown: the reader learns they add up to 3."""
    counts = [[1, 2, 40, 50]]
    p = protect(counts)
    hidden = [i for i, v in enumerate(p.cells[0]) if v is None]
    assert 2 in hidden and 0 in hidden and 1 in hidden
    _assert_safe(counts, p)


def test_a_series_with_one_small_month_hides_another() -> None:
    p = protect_series([40, 2, 30, 25])
    assert p.cells[1][0] is None
    assert p.total == 97
    assert sum(1 for (v,) in p.cells if v is None) == 2
    # the smallest other month is the one hidden with it
    assert p.cells[3][0] is None
    assert p.row_totals[3] is None  # a one-column table: the row total is the cell itself


def test_nothing_small_nothing_hidden() -> None:
    p = protect([[10, 20], [30, 40]])
    assert p.complementary == 0
    assert p.total == 100
    assert p.col_totals == (40, 60)


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_are_safe(seed: int) -> None:
    rng = random.Random(seed)
    rows, cols = rng.randint(1, 6), rng.randint(1, 6)
    counts = [
        [rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 14, 30]) for _ in range(cols)] for _ in range(rows)
    ]
    _assert_safe(counts, protect(counts))


def test_every_small_table_is_safe() -> None:
    for a, b, c, d in itertools.product([0, 1, 4, 5, 7, 20], repeat=4):
        counts = [[a, b], [c, d]]
        _assert_safe(counts, protect(counts))


def test_bad_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="same number of columns"):
        protect([[1, 2], [3]])
    with pytest.raises(ValueError, match="negative"):
        protect([[1, -2]])


def test_the_check_catches_a_naive_table() -> None:
    """Primary suppression alone (the 3 hidden, everything else shown) fails the check."""
    counts = [[12, 3, 20], [8, 9, 7], [30, 6, 11]]
    full = protect_raw(counts)
    naive = Protected(
        cells=((12, None, 20), full.cells[1], full.cells[2]),
        row_totals=full.row_totals,
        col_totals=full.col_totals,
        total=full.total,
        complementary=0,
    )
    with pytest.raises(AssertionError):
        _assert_safe(counts, naive)
