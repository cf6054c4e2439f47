"""Small counts never shown: primary and complementary suppression of a table with its totals.

Reports of the referral log go to coordinators, donors and partners; a cell that counts one or
two people in a corregimiento in a month can point at those people. So every count under the
threshold (5, DESIGN.md; OCHA's Centre for Humanitarian Data and the IHSN guide use 3 to 5) is
shown as "<5" (primary suppression). That alone is not enough when totals are shown: a row of
known cells and its total give the one hidden cell back by subtraction. Each row and column of
the table, with its total, is a sum that a reader can solve, so in each of them either nothing
is hidden or at least two values are, and what is hidden together adds up to at least the
threshold (two hidden cells of 1 and 2 with a known total would tell that both are tiny). When
a sum breaks that rule the smallest value still shown in it is hidden too (complementary
suppression), and the rows and columns are checked again until none does. A total is a value
of two sums (its row's or column's, and the grand total's), so a suppressed total propagates.

Pure Python, no database and no web: the console renders what this returns, the CSV export
writes it, the charts draw it; the same numbers go everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

THRESHOLD: Final = 5
#: what a reader sees in place of a suppressed count
HIDDEN: Final = "<5"

#: a position in the table extended by its totals: (row, column); row == n_rows is the row of
#: column totals, column == n_cols the column of row totals, (n_rows, n_cols) the grand total
Position = tuple[int, int]


@dataclass(frozen=True)
class Protected:
    """A table of counts as it may be published: each value is its count, or None if hidden."""

    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    col_totals: tuple[int | None, ...]
    total: int | None
    #: how many values were hidden only to protect others (for the page's note)
    complementary: int

    def shown(self, value: int | None) -> str:
        return HIDDEN if value is None else str(value)


def _lines(n_rows: int, n_cols: int) -> list[list[Position]]:
    """Every sum a reader can solve: each row with its total, each column with its total, the
    row of column totals and the column of row totals with the grand total (last)."""
    lines: list[list[Position]] = []
    for r in range(n_rows + 1):
        lines.append([(r, c) for c in range(n_cols + 1)])
    for c in range(n_cols + 1):
        lines.append([(r, c) for r in range(n_rows + 1)])
    return lines


def protect(counts: Sequence[Sequence[int]], threshold: int = THRESHOLD) -> Protected:
    """The table `counts` (rows of equal length, counts >= 0) with row, column and grand
    totals, small counts hidden and every sum protected against subtraction."""
    n_rows = len(counts)
    n_cols = len(counts[0]) if counts else 0
    if any(len(row) != n_cols for row in counts):
        raise ValueError("every row of the table needs the same number of columns")
    if any(v < 0 for row in counts for v in row):
        raise ValueError("counts cannot be negative")
    value: dict[Position, int] = {}
    for r, row in enumerate(counts):
        for c, v in enumerate(row):
            value[(r, c)] = v
        value[(r, n_cols)] = sum(row)
    for c in range(n_cols):
        value[(n_rows, c)] = sum(counts[r][c] for r in range(n_rows))
    value[(n_rows, n_cols)] = sum(value[(r, n_cols)] for r in range(n_rows))

    hidden = {p for p, v in value.items() if v < threshold}
    primary = len(hidden)
    lines = _lines(n_rows, n_cols)
    changed = True
    while changed:
        changed = False
        for line in lines:
            # the line's total is its last position; its parts are the others
            parts, total = line[:-1], line[-1]
            hidden_parts = [p for p in parts if p in hidden]
            if not hidden_parts:
                continue
            exposed = total not in hidden
            weak = len(hidden_parts) == 1 or sum(value[p] for p in hidden_parts) < threshold
            if not (exposed and weak):
                continue
            shown = [p for p in parts if p not in hidden]
            if not shown:
                # every part hidden and still weak: the total itself tells too much
                hidden.add(total)
            else:
                hidden.add(min(shown, key=lambda p: (value[p], p)))
            changed = True

    def get(p: Position) -> int | None:
        return None if p in hidden else value[p]

    return Protected(
        cells=tuple(tuple(get((r, c)) for c in range(n_cols)) for r in range(n_rows)),
        row_totals=tuple(get((r, n_cols)) for r in range(n_rows)),
        col_totals=tuple(get((n_rows, c)) for c in range(n_cols)),
        total=get((n_rows, n_cols)),
        complementary=len(hidden) - primary,
    )


def protect_series(counts: Sequence[int], threshold: int = THRESHOLD) -> Protected:
    """A one-column table (counts by month, by place...) with its total."""
    return protect([[v] for v in counts], threshold)


def hide_small(count: int, threshold: int = THRESHOLD) -> int | None:
    """Primary suppression only, for a count that is part of no published sum."""
    return None if count < threshold else count
