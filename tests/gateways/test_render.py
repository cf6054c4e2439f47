"""The channels' limits, on the pure rendering functions."""

from __future__ import annotations

from typing import Any

from bot.rasa import Button
from bot.render import (
    callback_token,
    fits_callback,
    split_text,
    utf16_length,
    whatsapp_parts,
)


def buttons(*titles: str) -> list[Button]:
    return [Button(title, f"/payload_{i}") for i, title in enumerate(titles)]


def parts(text: str, bs: list[Button]) -> list[dict[str, Any]]:
    return [p.as_message() for p in whatsapp_parts(text, bs, choose="Elige", options="Opciones")]


def test_split_prefers_paragraphs_then_lines_then_spaces_and_loses_nothing() -> None:
    text = "a" * 30 + "\n\n" + "b" * 30 + "\n" + "c" * 30 + " " + "d" * 30
    pieces = split_text(text, 40)
    assert pieces == ["a" * 30, "b" * 30, "c" * 30, "d" * 30]
    assert split_text("x" * 95, 40) == ["x" * 40, "x" * 40, "x" * 15]
    assert split_text("corto", 40) == ["corto"]


def test_telegram_measures_in_utf16_units() -> None:
    text = "🙂" * 3000  # 6000 UTF-16 units, 3000 characters
    pieces = split_text(text, 4096, utf16_length)
    assert [utf16_length(p) for p in pieces] == [4096, 1904]
    assert "".join(pieces) == text


def test_callback_data_over_64_bytes_needs_a_token() -> None:
    assert fits_callback('/inform_location{"corregimiento": "Amelia Denis de Icaza"}')
    assert not fits_callback("/x" + "ñ" * 40)  # 82 bytes in UTF-8
    assert not fits_callback("~looks-like-a-token")
    token = callback_token("/x" + "ñ" * 40)
    assert token.startswith("~") and len(token.encode()) <= 64


def test_whatsapp_three_short_titles_are_reply_buttons() -> None:
    [message] = parts("¿Sí o no?", buttons("Sí", "No", "Tarjeta para guardar"))
    assert message["interactive"]["type"] == "button"
    assert len(message["interactive"]["action"]["buttons"]) == 3


def test_whatsapp_a_title_over_20_characters_makes_a_list_with_the_full_title_described() -> None:
    [message] = parts("¿Qué hago?", buttons("Sí", "Hablar con una persona del equipo de la OIM"))
    interactive = message["interactive"]
    assert interactive["type"] == "list"
    row = interactive["action"]["sections"][0]["rows"][1]
    assert row["title"] == "Hablar con una persona…" and len(row["title"]) <= 24
    assert row["description"] == "Hablar con una persona del equipo de la OIM"


def test_whatsapp_more_than_ten_buttons_are_several_lists() -> None:
    messages = parts("Lugares", buttons(*(f"Lugar {i}" for i in range(13))))
    rows = [m["interactive"]["action"]["sections"][0]["rows"] for m in messages]
    assert [len(r) for r in rows] == [10, 3]
    assert messages[0]["interactive"]["body"]["text"] == "Lugares"
    assert messages[1]["interactive"]["body"]["text"] == "Elige"


def test_whatsapp_buttons_without_text_get_a_body() -> None:
    [message] = parts("", buttons("Sí"))
    assert message["interactive"]["body"]["text"] == "Elige"


def test_whatsapp_plain_text_is_split_at_4096() -> None:
    messages = parts("palabra " * 1000, [])
    assert [m["type"] for m in messages] == ["text", "text"]
    assert all(len(m["text"]["body"]) <= 4096 and not m["text"]["preview_url"] for m in messages)
