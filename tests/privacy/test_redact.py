"""Redaction of personal data, the keyed conversation key, and the logging filter.

Every phone, address and document number here is made up (zeros, example.org).
"""

import io
import logging
import re

import pytest

from privacy.redact import Kind, RedactingFilter, Redaction, redact

PHONE, EMAIL, DOCUMENT = Kind.PHONE, Kind.EMAIL, Kind.DOCUMENT


def digits_left(text: str) -> str:
    """All digits still in ``text``: a redacted value must leave none of its own behind."""
    return "".join(re.findall(r"\d", text))


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        # Panamanian phones, in the ways people type them
        ("Mi número es 6000-0000, llámame", PHONE),
        ("Escríbeme al +507 6000 0000 por WhatsApp", PHONE),
        # the fake mobile 6000-0000 written without its hyphen, as many people type it
        ("mi cel " + "6000-0000".replace("-", ""), PHONE),
        ("Call me at +507 6000-0000 please", PHONE),
        ("tel: (507) 6000-0000", PHONE),
        ("mi casa 200-0000", PHONE),
        ("https://wa.me/50760000000", PHONE),
        # foreign phones with and without the country code
        ("Mi mamá en Venezuela: +58 412 000 0000", PHONE),
        ("My brother in Colombia is on +57 300 000 0000", PHONE),
        ("el de mi tía es 0412-0000000", PHONE),
        # e-mails
        ("Mi correo es user@example.org.", EMAIL),
        ("email me: first.last+help@example.org", EMAIL),
        ("correo josé@example.org", EMAIL),
        ("user arroba example punto org", EMAIL),
        ("user (at) example (dot) org", EMAIL),
        # Panamanian cédulas
        ("Mi cédula es 8-000-0000", DOCUMENT),
        ("My cedula is E-8-000000", DOCUMENT),
        ("cédula PE-10-000", DOCUMENT),
        ("soy naturalizado, N-10-0000", DOCUMENT),
        ("cédula 8AV-10-000", DOCUMENT),
        ("E 8 000000", DOCUMENT),
        # passports and other countries' documents
        ("Mi pasaporte es X0000000", DOCUMENT),
        ("passport AB-000000", DOCUMENT),
        ("My passport number is 00000000", DOCUMENT),
        ("mi pasaporte es el número: 000000", DOCUMENT),
        ("cédula venezolana V-00000000", DOCUMENT),
        ("soy V00.000.000", DOCUMENT),
        ("CC 1.000.000.000", DOCUMENT),
        ("my refugee ID is 000000", DOCUMENT),
        ("expediente 2000-00000", DOCUMENT),
        # the net: any long digit run that is no possible phone number
        ("el código que me dieron es 000000000", DOCUMENT),
        ("card number 0000 0000 0000 0000", DOCUMENT),
        ("0000.0000.0", DOCUMENT),
    ],
)
def test_each_kind_is_removed(sentence: str, kind: Kind) -> None:
    result = redact(sentence)
    assert kind in result.kinds
    assert kind.placeholder in result.text
    assert digits_left(result.text) == "", result.text
    assert "@" not in result.text and "arroba" not in result.text and "(at)" not in result.text


@pytest.mark.parametrize(
    "sentence",
    [
        "Tengo 3 hijos de 2, 5 y 7 años",
        "I have 2 kids, 7 and 9 years old",
        "Llame al 911, al 147 o al 182",
        "For police call 104 or 911",
        "Llegamos el 12/05/2025 a las 10:30",
        "Vivo en la Calle 50, casa 12",
        "Pagué B/. 1,500.00 de alquiler",
        "Hace 2 años que estoy en Panamá, desde 2023",
        "Ley 81 de 2019",
        "Madrid 2024",
        "Hola, necesito ayuda con mi solicitud de refugio",
    ],
)
def test_ordinary_numbers_stay(sentence: str) -> None:
    result = redact(sentence)
    assert result.text == sentence
    assert result.kinds == frozenset()
    assert not result.changed


def test_mixed_sentence_in_spanish() -> None:
    result = redact(
        "Hola, soy de Venezuela, tengo 2 hijos. Mi cédula es V-00000000, "
        "mi teléfono +507 6000-0000 y mi correo user@example.org"
    )
    assert result.text == (
        "Hola, soy de Venezuela, tengo 2 hijos. Mi cédula es [DOCUMENT], "
        "mi teléfono [PHONE] y mi correo [EMAIL]"
    )
    assert result.kinds == {PHONE, EMAIL, DOCUMENT}


def test_mixed_sentence_in_english() -> None:
    result = redact(
        "My passport is X0000000, phone +57 300 000 0000, email user@example.org; 3 kids"
    )
    assert result.text == "My passport is [DOCUMENT], phone [PHONE], email [EMAIL]; 3 kids"
    assert result.kinds == {PHONE, EMAIL, DOCUMENT}


@pytest.mark.parametrize("sentence", ["número 0000000", "number 000 000 000 0 here", "1.000.000"])
def test_any_run_of_seven_digits_goes_whatever_its_label(sentence: str) -> None:
    result = redact(sentence)
    assert result.changed
    assert digits_left(result.text) == ""


def test_a_cedula_is_a_document_not_a_phone() -> None:
    # 8-000-0000 is also a possible Panamanian phone: documents are matched first
    assert redact("8-000-0000").kinds == {DOCUMENT}


def test_a_whatsapp_id_goes_as_one_email() -> None:
    assert redact("from 50760000000@s.whatsapp.net").text == "from [EMAIL]"


def test_redaction_holds_kinds_not_values() -> None:
    result = redact("+507 6000-0000, user@example.org, 8-000-0000")
    assert isinstance(result, Redaction)
    assert result.kinds == {PHONE, EMAIL, DOCUMENT}
    assert all(isinstance(kind, Kind) for kind in result.kinds)
    dumped = repr(result) + str(result) + repr(vars(result))
    for value in ("6000", "user", "example", "8-000"):
        assert value not in dumped


def test_redacting_twice_changes_nothing_more() -> None:
    once = redact("tel +507 6000-0000 correo user@example.org")
    assert redact(once.text).text == once.text


def test_region_decides_numbers_without_country_code() -> None:
    # a Colombian mobile written domestically is a phone when the region is Colombia
    assert redact("llámame al 300 000 0000", region="CO").kinds == {PHONE}


# --- logging ----------------------------------------------------------------------------------


@pytest.fixture
def log_stream() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("test_redact.filter")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger, stream


def test_filter_removes_a_phone_from_a_formatted_line(
    log_stream: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = log_stream
    logger.info("Received message %r from %s", "mi número es +507 6000-0000", "telegram")
    line = stream.getvalue()
    assert "INFO test_redact.filter Received message 'mi número es [PHONE]' from telegram" in line
    assert "6000" not in line


def test_filter_sees_the_whole_message_not_each_argument(
    log_stream: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = log_stream
    # split over two arguments, neither part alone looks like a phone
    logger.warning("call %s-%s", "6000", "0000")
    assert stream.getvalue().strip() == "WARNING test_redact.filter call [PHONE]"


def test_filter_redacts_tracebacks_and_extra_fields() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s %(contact)s"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("test_redact.traceback")
    logger.handlers[:] = [handler]
    logger.propagate = False
    try:
        raise ValueError("bad user user@example.org")
    except ValueError:
        logger.exception("failed for %s", "8-000-0000", extra={"contact": "+507 6000-0000"})
    output = stream.getvalue()
    assert "failed for [DOCUMENT] [PHONE]" in output
    assert "ValueError: bad user [EMAIL]" in output
    assert "example.org" not in output and "6000" not in output


def test_filter_works_with_caplog(caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(RedactingFilter())
    try:
        with caplog.at_level(logging.INFO):
            logging.getLogger("test_redact.caplog").info("email %s", "user@example.org")
    finally:
        caplog.handler.removeFilter(caplog.handler.filters[-1])
    assert caplog.messages == ["email [EMAIL]"]
    assert "example.org" not in caplog.text


def test_filter_survives_a_broken_format_string(
    log_stream: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = log_stream
    logger.error("no placeholder here", "+507 6000-0000")
    output = stream.getvalue()
    assert "6000" not in output and "[PHONE]" in output
