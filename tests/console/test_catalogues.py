"""The console's gettext catalogues: every string of the pages has its Spanish, and the compiled
catalogues are those of the .po files."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

I18N = Path(__file__).resolve().parents[2] / "console" / "translations"


def test_every_string_has_its_spanish() -> None:
    with (I18N / "messages.pot").open("rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    with (I18N / "es" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        spanish = read_po(f)
    assert template <= {m.id for m in spanish if m.id}
    missing = [m.id for m in spanish if m.id and (not m.string or m.fuzzy)]
    assert missing == []


def test_compiled_catalogues_match_the_po_files() -> None:
    for language in ("es", "en"):
        folder = I18N / language / "LC_MESSAGES"
        with (folder / "messages.po").open("rb") as f:
            po = {m.id: m.string for m in read_po(f) if m.id and m.string}
        with (folder / "messages.mo").open("rb") as f:
            mo = {m.id: m.string for m in read_mo(f) if m.id and m.string}
        assert mo == po, f"{language}: run `make console-messages`"
