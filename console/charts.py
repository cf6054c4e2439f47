"""Charts of the reports, drawn on the server as PNG with matplotlib: no script, no CDN, no
request leaves the machine (a coordinator's laptop in the field may be offline, and a chart
library loaded from a CDN would tell a third party who reads the reports).

They draw the protected numbers only: a hidden count is no bar, labelled "<5", so a chart
cannot show what the table hides. matplotlib's object API (Figure, no pyplot) keeps no global
state, so two requests can draw at once; its fonts ship with it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.figure import Figure

from casework.suppression import HIDDEN

BAR = "#2c7fb8"
HIDDEN_COLOUR = "#6c757d"


def bars(
    title: str, labels: Sequence[str], values: Sequence[int | None], *, horizontal: bool = False
) -> bytes:
    """A bar chart of protected counts (None: hidden) as PNG bytes."""
    height = max(3.0, 0.35 * len(labels) + 1.2) if horizontal else 3.6
    fig = Figure(figsize=(7.0, height), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    shown = [v or 0 for v in values]
    positions = list(range(len(labels)))
    top = max(shown, default=0) or 1
    if horizontal:
        ax.barh(positions, shown, color=BAR)
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()
    else:
        ax.bar(positions, shown, color=BAR)
        ax.set_xticks(positions, labels, rotation=45 if len(labels) > 6 else 0, ha="right")
    for pos, value in zip(positions, values):
        text, colour = (HIDDEN, HIDDEN_COLOUR) if value is None else (str(value), "black")
        if horizontal:
            ax.text((value or 0) + top * 0.01, pos, text, va="center", fontsize=8, color=colour)
        else:
            ax.text(pos, (value or 0) + top * 0.01, text, ha="center", fontsize=8, color=colour)
    ax.set_title(title, fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    if horizontal:
        ax.set_xlim(0, top * 1.15)
    else:
        ax.set_ylim(0, top * 1.15)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
