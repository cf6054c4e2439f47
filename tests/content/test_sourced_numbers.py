"""Every phone number the bot shows is a sourced number.

DESIGN.md: show only numbers from the directory's emergency numbers file
(`content/data/emergency_numbers.yaml`, its `numbers` and `other_lines`); a
service's phone comes from the sourced services seed (`services.yaml`). Here every text a person
can read is searched for anything that could be dialled, and each one must be in those files:

- every response of `domain.yml` (texts and button titles, both languages);
- the orientation content (`content/data/content.yaml`): every string of the file,
  and each answer as `replies.topic_answer` renders it, in es and en;
- what the gateway says itself (`bot/texts.py`), in es, en and both at once;
- what Python renders: the contacts (`content/data/contacts.yaml`), the words of
  `actions.replies`, the referral card, and every page of services for every corregimiento,
  searched on a directory migrated and seeded as `make run` does.

"Could be dialled" is wide on purpose, so a new number cannot slip by: anything
libphonenumber takes for a possible Panamanian (or foreign) number, any other group of seven
or more digits, and any free-standing number of three or four digits, the length of Panama's
hotlines (911, 104, 147, 182, 311, 127). What is blanked out first, because it holds digits but
is no number to call, was found by reading the real texts (see `_NOT_A_NUMBER_TO_CALL`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import phonenumbers
import pytest
import yaml
from phonenumbers import Leniency, PhoneNumberMatcher
from sqlalchemy import Engine, select

from actions import replies
from bot import texts as gateway_texts
from content.contacts import load_contacts
from content.topics import CONTENT_FILE, LANGUAGES, TOPICS, load_content
from referral_directory.models import Service
from referral_directory.placedb import forget_place_index
from referral_directory.places import load_places
from referral_directory.search import MAX_LIMIT, search
from referral_directory.seed import load_seed
from store import db

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "domain.yml"
SEED = ROOT / "referral_directory" / "data" / "seed"
EMERGENCY_NUMBERS = ROOT / "content" / "data" / "emergency_numbers.yaml"
SERVICES = SEED / "services.yaml"
CONTENT = CONTENT_FILE

#: (where, text): a text a person can read, and where it comes from
Shown = tuple[str, str]

# --- what counts as a number to call ----------------------------------------------------------

#: Written forms that hold digits but are no number to call, each seen in the real texts; they
#: are blanked out before numbers are looked for.
_NOT_A_NUMBER_TO_CALL = re.compile(
    "|".join(
        [
            # links and e-mail addresses: page ids and query strings
            # ("…solicitud_1_1096963.html", "…AP14393120", "311.gob.pa/?p=250", "info@311.gob.pa")
            r"https?://\S+",
            r"\S+@\S+",
            # (labels in lower case only, so "305-3350.Escribe" is not taken for a domain)
            r"\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b(?:/[^\s)]*)?",
            # dates and years: "revisado el 2026-11-23", "12/05/2025", "2020-2025"
            r"\b\d{4}-\d{2}-\d{2}\b",
            r"\b\d{1,2}/\d{1,2}/\d{2,4}\b",
            r"\b(?:19|20)\d{2}\s*[-–]\s*(?:19|20)\d{2}\b",
            # hours: "8:00 a.m. a 4:00 p.m."
            r"\b\d{1,2}:\d{2}\b",
            # money and amounts written with thousands separators: "B/. 1,500.00", "1.500.000"
            r"(?:B/\.|US\$|\$)\s?\d[\d.,]*",
            r"\b\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?\b",
            # legal references: "Constitución, art. 105", "Ley 81 de 2019", "Decreto 112"
            r"(?i:\b(?:art(?:[íi]culo|icle)?s?|ley|law|decreto|decree|resoluci[óo]n|resolution)"
            r"\.?\s*(?:n[.º°o]\s*)?\d+)",
            # addresses: "Edificios 110, 113 y 115", "Calle 92"
            r"(?i:\b(?:edificios?|calle|avenida|casa|local|piso|oficina|buildings?|street|suite)"
            r"\s+\d+(?:\s*(?:,|y|and)\s*\d+)*)",
            # counts with their unit: "24 horas, los 365 días", "85%", "5000 caracteres"
            r"(?i:\b\d+\s*(?:%|(?:días|dias|days|horas|hours|meses|months|años|years|personas"
            r"|people|caracteres|characters)\b))",
        ]
    )
)
#: seven digits or more in one group (spaces, dots or hyphens between them): phone-like even
#: when libphonenumber does not take it for a possible number
_LONG_DIGITS = re.compile(r"\+?\d(?:[\s.-]?\d){6,}")
#: a free-standing number of three or four digits: the length of Panama's hotlines
_SHORT = re.compile(r"(?<![\w+])\d{3,4}(?!\w)")
_YEAR = re.compile(r"(?:19|20)\d{2}")


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


class Number(NamedTuple):
    """A number to call found in a text."""

    #: the national number's digits ("+<country code> " before them when not Panamanian), or
    #: a short code's: "+507 305-3350" and "305-3350" are the same number
    key: str
    #: as it is written
    written: str
    #: where in the text
    at: int


def numbers_in(text: str) -> list[Number]:
    """Every number to call in ``text``, in order."""
    for found in _NOT_A_NUMBER_TO_CALL.finditer(text):
        text = _blank(text, *found.span())
    numbers: list[Number] = []
    for match in PhoneNumberMatcher(text, "PA", leniency=Leniency.POSSIBLE):
        national = phonenumbers.national_significant_number(match.number)
        code = match.number.country_code
        key = national if code == 507 else f"+{code} {national}"
        numbers.append(Number(key, match.raw_string, match.start))
        text = _blank(text, match.start, match.end)
    for found in _LONG_DIGITS.finditer(text):
        digits = re.sub(r"\D", "", found.group())
        if digits.startswith("507") and len(digits) in (10, 11):
            digits = digits[3:]
        numbers.append(Number(digits, found.group(), found.start()))
        text = _blank(text, *found.span())
    for found in _SHORT.finditer(text):
        if not (len(found.group()) == 4 and _YEAR.fullmatch(found.group())):
            numbers.append(Number(found.group(), found.group(), found.start()))
    return sorted(numbers, key=lambda n: n.at)


# --- the sourced numbers --------------------------------------------------------------------------


def sourced_numbers() -> dict[str, str]:
    """number key -> where it is sourced: the emergency file's `numbers` and `other_lines`
    (their number and WhatsApp line; `not_confirmed` holds none), and the services' phones."""
    sourced: dict[str, str] = {}
    emergency = yaml.safe_load(EMERGENCY_NUMBERS.read_text(encoding="utf-8"))
    for section in ("numbers", "other_lines"):
        for line in emergency[section]:
            for field in ("number", "whatsapp"):
                for number in numbers_in(str(line.get(field) or "")):
                    sourced.setdefault(number.key, f"{EMERGENCY_NUMBERS.name}: {line['id']}")
    for entry in yaml.safe_load(SERVICES.read_text(encoding="utf-8")):
        phone = (entry.get("phone") or {}).get("value")
        for number in numbers_in(str(phone or "")):
            sourced.setdefault(number.key, f"{SERVICES.name}: {entry['id']}")
    return sourced


def unsourced(shown: Iterable[Shown]) -> list[str]:
    """Each number in the shown texts that is not sourced: where, what, and the words around."""
    sourced = sourced_numbers()
    return [
        f"{where}: {n.written!r} in «{text[max(0, n.at - 40) : n.at + len(n.written) + 20]}»"
        for where, text in shown
        for n in numbers_in(text)
        if n.key not in sourced
    ]


def assert_all_sourced(shown: Iterable[Shown]) -> None:
    found = unsourced(shown)
    assert not found, (
        f"{len(found)} number(s) shown to people are in neither {EMERGENCY_NUMBERS.name} nor "
        f"the phones of {SERVICES.name}:\n" + "\n".join(found)
    )


# --- the texts people read ------------------------------------------------------------------------


def _strings(value: Any, where: str) -> Iterator[Shown]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{where}[{i}]")


def domain_texts(path: Path = DOMAIN) -> list[Shown]:
    """Every response variation's text and buttons (the conditions are no text)."""
    responses = yaml.safe_load(path.read_text(encoding="utf-8"))["responses"]
    return [
        shown
        for name, variations in responses.items()
        for i, variation in enumerate(variations)
        for shown in _strings(
            {k: v for k, v in variation.items() if k != "condition"}, f"domain.yml {name}[{i}]"
        )
    ]


def content_texts(path: Path = CONTENT) -> list[Shown]:
    """Every string of the content file, and each answer as the bot sends it."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = list(_strings(raw, "content.yaml"))
    content = load_content(path)
    for topic in TOPICS:
        for language in LANGUAGES:
            rendered = replies.topic_answer(content.get(topic, language))
            found.append((f"topic_answer({topic}, {language})", rendered))
    return found


def gateway_own_texts() -> list[Shown]:
    """What the gateway says itself: each text in es, en, and both (no language hint)."""
    names = list(gateway_texts._TEXTS)  # every text the module holds, a new one included
    hints: tuple[gateway_texts.Language | None, ...] = ("es", "en", None)
    found: list[Shown] = [
        (f"bot/texts.py {name} ({hint})", gateway_texts.text(name, hint))
        for name in names
        for hint in hints
    ]
    found += [(f"bot/texts.py IOM_CONTACT[{k}]", v) for k, v in gateway_texts.IOM_CONTACT.items()]
    return found


def python_texts() -> list[Shown]:
    """The contacts, and what actions.replies writes without the directory's data."""
    found: list[Shown] = [
        (f"contacts.yaml {contact.id} ({language})", contact.line(language))
        for contact in load_contacts().values()
        for language in ("es", "en")
    ]
    for language in LANGUAGES:
        found += _strings(replies.words(language), f"replies.words({language})")
        found.append(
            (f"replies.referral_card([], {language})", replies.referral_card([], language))
        )
        found.append((f"replies.ask_place({language})", replies.ask_place(language).text))
    return found


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A directory migrated and seeded from the seed files, as `make run` makes it."""
    path = tmp_path_factory.mktemp("sourced-numbers") / "directory.sqlite"
    eng = db.engine(f"sqlite:///{path}")
    db.migrate(eng)
    load_seed(eng, seed_dir=SEED)
    forget_place_index()
    yield eng
    eng.dispose()
    forget_place_index()


def service_texts(engine: Engine) -> tuple[list[Shown], set[str]]:
    """Every page of services and the referral card, for every corregimiento in both
    languages, as the actions send them; and the ids of the services they showed."""
    found: list[Shown] = []
    shown_ids: set[str] = set()
    for place in load_places().corregimientos:
        for language in LANGUAGES:
            hits = search(place.name, lang=language, limit=MAX_LIMIT, engine=engine)["services"]
            shown_ids |= {hit["id"] for hit in hits}
            for offset in range(0, len(hits), replies.PAGE_SIZE):
                page = replies.service_page(hits, place.name, language, offset)
                found.append((f"service_page({place.name}, {language}, {offset})", page.text))
            card = replies.referral_card(hits, language)
            found.append((f"referral_card({place.name}, {language})", card))
    return found, shown_ids


# --- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Llama al 911 (gratis, 24 horas).", ["911"]),
        ("Línea 182 (24 h) y Policía: 104.", ["182", "104"]),
        ("OIM Panamá: +507 305-3350, iompanama@iom.int", ["3053350"]),
        ("147 (24 h), WhatsApp 6534-2546", ["147", "65342546"]),
        ("un número inventado: 555-0199, o 555 0199, o +507 555-0199", ["5550199"] * 3),
        ("Mi mamá en Venezuela: +58 412 000 0000", ["+58 4120000000"]),
        ("una línea inventada: 160", ["160"]),
        ("llama al 1234", ["1234"]),
        ("seven digits with no shape: 12345678901", ["12345678901"]),
        ("OIM Panamá: +507 555-0199.Escribe", ["5550199"]),
    ],
)
def test_numbers_to_call_are_found_however_they_are_written(text: str, expected: list[str]) -> None:
    assert [number.key for number in numbers_in(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Fuente: SNM (https://www.tvn-2.com/nacionales/aclaraciones-solicitud_1_1096963.html)",
        "Centro de Atención Ciudadana (https://311.gob.pa/?p=250); www.tupista.org",
        "revisado el 2026-11-23; llegamos el 12/05/2025; programa 2020-2025",
        "Lunes a viernes, 8:00 a.m. a 4:00 p.m.; 24 horas, los 365 días",
        "La salud es un derecho (Constitución, art. 105). Ley 81 de 2019; Decreto 112",
        "Calle Luis Bonilla, Edificios 110, 113 y 115, Ciudad del Saber; Calle 92",
        "Pagué B/. 1,500.00 de alquiler; más de 7,000 atenciones; 1.500.000",
        "el 85% de las llamadas; hasta 5000 caracteres; desde 2023; permiso tipo 5A",
        "Hace 2 años que estoy en Panamá, tengo 3 hijos de 2, 5 y 7 años",
    ],
)
def test_dates_hours_links_laws_addresses_and_amounts_are_not_numbers_to_call(text: str) -> None:
    assert numbers_in(text) == []


def test_the_sourced_numbers_are_the_files_numbers() -> None:
    sourced = sourced_numbers()
    # the emergency file (911 first; 182, 147, 104 as they fit) and its other lines
    for number in ("911", "104", "103", "147", "65342546", "182", "63783466", "311", "127"):
        assert sourced[number].startswith("emergency_numbers.yaml"), number
    assert {"5244893", "5009800"} <= set(sourced)
    # services' phones: the IOM switchboard, MITRADEL
    assert sourced["3053350"] == "services.yaml: oim-panama"
    assert "8000016" in sourced
    # and nothing the files list as not confirmed (SINAPROC 335, a "Línea 169")
    assert "335" not in sourced and "169" not in sourced


def test_every_number_in_domain_responses_is_sourced() -> None:
    shown = domain_texts()
    assert any("911" in text for _, text in shown)  # the extraction saw the responses
    assert_all_sourced(shown)


def test_every_number_in_the_orientation_content_is_sourced() -> None:
    assert_all_sourced(content_texts())


def test_every_number_the_gateway_says_itself_is_sourced() -> None:
    assert_all_sourced(gateway_own_texts())


def test_every_number_python_renders_is_sourced() -> None:
    assert_all_sourced(python_texts())


def test_every_phone_on_a_page_of_services_is_sourced(directory: Engine) -> None:
    shown, shown_ids = service_texts(directory)
    with db.session(directory) as s:
        active = set(s.scalars(select(Service.id).where(Service.status == "active")))
    assert active and active <= shown_ids  # every active service was on some page
    assert any("☎" in text for _, text in shown)
    assert_all_sourced(shown)


def test_a_made_up_number_in_a_reply_is_caught(tmp_path: Path) -> None:
    """The check can fail: a copy of domain.yml with a made-up line and a made-up hotline."""
    raw = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))
    raw["responses"]["utter_default"][0]["text"] += " O llama al 555-0199 o a la línea 160."
    copy = tmp_path / "domain.yml"
    copy.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    caught = unsourced(domain_texts(copy))
    assert len(caught) == 2
    assert "'555-0199'" in caught[0] and "'160'" in caught[1]
    assert all(c.startswith("domain.yml utter_default[0].text") for c in caught)
