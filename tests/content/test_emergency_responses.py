"""The emergency responses of `domain.yml` say what `content/data/emergency_numbers.yaml` says.

Those responses are Rasa's plain responses on purpose: they go out at once, from any state, even
when the action server is down, so they cannot read the file. They are a hand copy of it, and
this checks the copy. `test_sourced_numbers.py` already checks that every number anywhere is
sourced; here, for `utter_emergency` and every `utter_emergency_*`:

- every number is a line of the file's `numbers` (an emergency line, not one of its
  `other_lines` and not a service's phone), or the IOM contact (`content/data/contacts.yaml`);
- each is shown for what the file says it is for: the words around it (its line or sentence,
  and what the response is for, from its name) name the line's purpose, in the words the file
  itself uses (182 for violence against women, 147 emotional crisis and suicide, 104 police and
  trafficking, SENNIAF for children at risk). 911, the national number for any emergency,
  fits every emergency response;
- 911 comes first wherever it is shown, and the first reply, `utter_emergency`, shows it in
  each language;
- the variation in both languages (the one that goes out when no language is known yet) is the
  Spanish and the English variations, word for word.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from content.contacts import load_contacts
from tests.content.test_sourced_numbers import DOMAIN, EMERGENCY_NUMBERS, numbers_in
from text import fold

#: What each emergency line is for, as patterns over folded text, per language. Each pattern
#: must be found in the file's own name and description of the line (so these are the file's
#: words, and a line whose purpose changes there fails here), and near the number in a response.
PURPOSE: dict[str, dict[str, str]] = {
    "emergencias-911": {"es": r"emergencia|peligro", "en": r"emergency|danger"},
    "policia-104": {"es": r"policia", "en": r"police"},
    "trata-denuncia": {"es": r"trata de personas", "en": r"trafficking"},
    "bomberos-103": {"es": r"bomberos|incendio", "en": r"fire"},
    "mides-linea-147": {"es": r"emocional|suicid", "en": r"emotional|suicid"},
    "mujer-182": {"es": r"mujer", "en": r"wom[ae]n"},
    "senniaf-ninez": {"es": r"senniaf|nin[oa]s?\b|adolescente", "en": r"senniaf|child|adolescent"},
}
#: the national emergency number: first, and right for any emergency
FIRST = "emergencias-911"

_CLAUSE = re.compile(r"\n+|(?<=[.!?])\s+")


def _file() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(EMERGENCY_NUMBERS.read_text(encoding="utf-8"))
    return raw


def lines_by_number() -> dict[str, list[dict[str, Any]]]:
    """number key -> the emergency lines of the file with that number (or WhatsApp line)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for line in _file()["numbers"]:
        for field in ("number", "whatsapp"):
            for number in numbers_in(str(line.get(field) or "")):
                found.setdefault(number.key, []).append(line)
    return found


def _language_of(name: str, variation: dict[str, Any]) -> list[tuple[str, str]]:
    """(language, text) parts of a variation: its condition's language, or both when it has
    none (the Spanish part, a blank line, then the English part)."""
    text = variation["text"]
    for condition in variation.get("condition") or []:
        if condition.get("name") == "language":
            return [(condition["value"], text)]
    if name == "utter_emergency":
        es, en = text.split("\n\n")
        return [("es", es), ("en", en)]
    return [("es", text)]  # the default variation of a response is Spanish


def emergency_responses(path: Path = DOMAIN) -> dict[str, list[dict[str, Any]]]:
    responses = yaml.safe_load(path.read_text(encoding="utf-8"))["responses"]
    return {
        name: variations
        for name, variations in responses.items()
        if name == "utter_emergency" or name.startswith("utter_emergency_")
    }


def misshown(path: Path = DOMAIN) -> list[str]:
    """Each number of an emergency response that is not an emergency line of the file, is shown
    for something the file does not say it is for, or comes before 911."""
    by_number = lines_by_number()
    (first,) = (key for key, lines in by_number.items() if lines[0]["id"] == FIRST)
    contacts = {n.key for c in load_contacts().values() for n in numbers_in(c.phone)}
    found: list[str] = []
    for name, variations in emergency_responses(path).items():
        purpose_of_response = name.removeprefix("utter_emergency").replace("_", " ")
        for i, variation in enumerate(variations):
            for language, text in _language_of(name, variation):
                where = f"{name}[{i}] ({language})"
                keys = [n.key for n in numbers_in(text) if n.key not in contacts]
                if first in keys and keys[0] != first:
                    found.append(f"{where}: {keys[0]} comes before 911")
                if name == "utter_emergency" and first not in keys:
                    found.append(f"{where}: the first reply does not give 911")
                for clause in _CLAUSE.split(text):
                    context = fold(f"{clause} {purpose_of_response}")
                    for number in numbers_in(clause):
                        if number.key in contacts:
                            continue
                        lines = by_number.get(number.key)
                        if not lines:
                            found.append(f"{where}: {number.written!r} is no emergency line")
                            continue
                        if not any(
                            line["id"] == FIRST or re.search(PURPOSE[line["id"]][language], context)
                            for line in lines
                        ):
                            said = " / ".join(line[f"name_{language}"] for line in lines)
                            found.append(
                                f"{where}: {number.written!r} in «{clause.strip()}», but the file "
                                f"says it is: {said}"
                            )
    return found


def test_every_emergency_line_has_its_purpose_in_the_files_own_words() -> None:
    lines = _file()["numbers"]
    assert {line["id"] for line in lines} == set(PURPOSE)  # a new line needs its purpose here
    for line in lines:
        for language, pattern in PURPOSE[line["id"]].items():
            said = fold(f"{line[f'name_{language}']} {line[f'what_{language}']}")
            for alternative in pattern.split("|"):
                assert re.search(alternative, said), (line["id"], language, alternative)


def test_the_file_gives_each_line_the_purpose_the_design_names() -> None:
    by_number = lines_by_number()
    assert [line["id"] for line in by_number["911"]] == [FIRST]
    assert {line["id"] for line in by_number["182"]} == {"mujer-182"}
    assert {line["id"] for line in by_number["147"]} == {"mides-linea-147"}
    assert {line["id"] for line in by_number["104"]} == {"policia-104", "trata-denuncia"}
    assert _file()["numbers"][0]["id"] == FIRST  # the file lists 911 first too


def test_every_number_of_the_emergency_responses_is_shown_for_what_it_is() -> None:
    responses = emergency_responses()
    assert "utter_emergency" in responses and len(responses) >= 7  # the check saw them
    assert misshown() == []


def test_the_variation_in_both_languages_is_the_spanish_and_the_english_ones() -> None:
    variations = emergency_responses()["utter_emergency"]
    by_language = {c["value"]: v["text"] for v in variations for c in v.get("condition") or [] if c}
    (both,) = [v["text"] for v in variations if not v.get("condition")]
    assert both == f"{by_language['es']}\n\n{by_language['en']}"


@pytest.mark.parametrize(
    ("response", "old", "new", "expected"),
    [
        # 182 and 147 swapped in the Spanish list
        ("utter_emergency", "mujer: 182", "mujer: 147", "'147' in «• Violencia contra la mujer"),
        # a line the file lists as no emergency line (COAI, MIDES)
        ("utter_emergency_suicide", "Línea 147", "línea 524-4893", "'524-4893' is no emergency"),
        # the police before 911
        ("utter_emergency_trafficking", "Nacional 104.", "Nacional 104 o 911.", "before 911"),
        # the first reply without 911
        ("utter_emergency", "llama al 911", "llama a la policía", "does not give 911"),
    ],
)
def test_a_number_shown_for_the_wrong_thing_is_caught(
    tmp_path: Path, response: str, old: str, new: str, expected: str
) -> None:
    """The check can fail: copies of domain.yml with a wrong number in an emergency response."""
    raw = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))
    variation = raw["responses"][response][0]
    assert old in variation["text"]
    variation["text"] = variation["text"].replace(old, new)
    copy = tmp_path / "domain.yml"
    copy.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    caught = misshown(copy)
    assert len(caught) == 1 and expected in caught[0], caught
