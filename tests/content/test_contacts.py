"""The IOM contact is written once, in `content/data/contacts.yaml`.

The gateway reads it (`bot/texts.py`). Rasa's plain responses (`domain.yml`, which go out even
when the action server is down) and the orientation answers (`content/data/content.yaml`)
cannot, so every text of theirs that shows an IOM phone or e-mail must show exactly the file's.
The file itself agrees with the directory seed's IOM entry it was read from.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot import texts as gateway_texts
from content.contacts import CONTACTS_FILE, ContactsFileError, iom_contact, load_contacts
from tests.content.test_sourced_numbers import (
    DOMAIN,
    EMERGENCY_NUMBERS,
    SERVICES,
    Shown,
    content_texts,
    domain_texts,
    numbers_in,
)

#: a text that names the IOM
_NAMES_IOM = re.compile(r"\b(?:OIM|IOM)\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _emergency_keys() -> set[str]:
    """The numbers of the emergency file (its lines to call and their WhatsApp numbers)."""
    raw = yaml.safe_load(EMERGENCY_NUMBERS.read_text(encoding="utf-8"))
    return {
        n.key
        for section in ("numbers", "other_lines")
        for line in raw[section]
        for field in ("number", "whatsapp")
        for n in numbers_in(str(line.get(field) or ""))
    }


def other_iom_contacts(shown: list[Shown]) -> list[str]:
    """Each IOM phone or e-mail in the texts that is not written as the contacts file writes it.

    An IOM contact is an e-mail at iom.int or in a text naming the IOM, a number in a text
    naming the IOM that is no emergency line, and the IOM phone wherever it is written.
    """
    iom = iom_contact()
    (phone,) = numbers_in(iom.phone)
    emergency = _emergency_keys()
    found: list[str] = []
    for where, text in shown:
        names_iom = bool(_NAMES_IOM.search(text))
        for email in _EMAIL.findall(text):
            if (names_iom or email.lower().endswith("iom.int")) and email != iom.email:
                found.append(f"{where}: e-mail {email!r}, the file has {iom.email!r}")
        for number in numbers_in(text):
            is_iom = number.key == phone.key or (names_iom and number.key not in emergency)
            if is_iom and number.written != iom.phone:
                found.append(f"{where}: phone {number.written!r}, the file has {iom.phone!r}")
    return found


def test_the_iom_contact_is_read_from_the_file() -> None:
    iom = iom_contact()
    assert iom.line("es") == f"OIM Panamá: {iom.phone}, {iom.email}"
    assert iom.line("en") == f"IOM Panama: {iom.phone}, {iom.email}"
    assert numbers_in(iom.phone) and iom.email.endswith("@iom.int")


def test_the_file_has_the_directory_seeds_iom_contact_and_its_source() -> None:
    """The contact was read from the seed's oim-panama entry; a change must be made in both."""
    seed = {entry["id"]: entry for entry in yaml.safe_load(SERVICES.read_text(encoding="utf-8"))}
    for contact in load_contacts().values():
        entry = seed[contact.directory_id]
        assert contact.phone == entry["phone"]["value"]
        assert contact.email == entry["email"]["value"]
        assert contact.url == entry["url"]["value"]
        assert contact.source == entry["phone"]["source"] == entry["email"]["source"]


def test_the_gateway_says_the_files_contact() -> None:
    iom = iom_contact()
    said = gateway_texts.IOM_CONTACT
    assert said == {"es": iom.line("es"), "en": iom.line("en")}
    for language in ("es", "en"):
        assert iom.line(language) in gateway_texts.text("unavailable", language)


def test_every_iom_contact_in_domain_responses_is_the_files() -> None:
    shown = domain_texts()
    iom = iom_contact()
    # the check sees the responses that give the contact (emergency, person, fallbacks, erasure)
    showing = {
        where.split()[1].split("[")[0]
        for where, text in shown
        if iom.email in text or iom.phone in text
    }
    assert {
        "utter_emergency",
        "utter_human_contact",
        "utter_directory_unavailable",
        "utter_content_unavailable",
        "utter_data_deleted",
        "utter_delete_failed",
    } <= showing
    assert other_iom_contacts(shown) == []


def test_every_iom_contact_in_the_orientation_content_is_the_files() -> None:
    shown = content_texts()
    assert any(iom_contact().email in text for _, text in shown)
    assert other_iom_contacts(shown) == []


def test_an_iom_contact_written_differently_is_caught(tmp_path: Path) -> None:
    """The check can fail: a copy of domain.yml with an old phone, another e-mail and the
    phone written without its country code."""
    raw = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))
    responses = raw["responses"]
    responses["utter_human_contact"][0]["text"] = "OIM Panamá: +507 305-0000 o panama@iom.int."
    responses["utter_default"][0]["text"] += " Llama al 305-3350."
    copy = tmp_path / "domain.yml"
    copy.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    caught = other_iom_contacts(domain_texts(copy))
    assert caught == [
        "domain.yml utter_human_contact[0].text: e-mail 'panama@iom.int', "
        "the file has 'iompanama@iom.int'",
        "domain.yml utter_human_contact[0].text: phone '+507 305-0000', "
        "the file has '+507 305-3350'",
        "domain.yml utter_default[0].text: phone '305-3350', the file has '+507 305-3350'",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"phone": "305-3350"}, "phone must be an international number"),
        ({"email": "iompanama at iom.int"}, "email must be an e-mail address"),
        ({"url": "http://panama.iom.int"}, "url must be an https:// link"),
        ({"source": ""}, "source is missing or empty"),
        ({"telefono": "+507 305-3350"}, "unknown field(s) telefono"),
    ],
)
def test_a_bad_contacts_file_is_refused(
    tmp_path: Path, change: dict[str, str], message: str
) -> None:
    raw = yaml.safe_load(CONTACTS_FILE.read_text(encoding="utf-8"))
    raw["contacts"]["iom"].update(change)
    bad = tmp_path / "contacts.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContactsFileError, match=re.escape(message)):
        load_contacts(bad)
