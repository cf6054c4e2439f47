"""Score whole conversations: did each turn do what the person needed?

The conversations (tests/conversations/*.yml) were written blind, from DESIGN.md and the
issue, by someone who never saw the training data or the stories; each turn says what the
person needed (`expect`). This plays them through Rasa's REST channel of a running stack, one
new sender each, and judges every expectation from what a person or a caseworker could see:
the bot's messages, the handoff table, the tracker. A turn counts as done only when all its
expectations hold. `tests/e2e/test_conversation_eval.py` runs it on the e2e stack and writes
reports/conversation_eval.md; run it by hand against `make run` with
`python -m tools.conversation_eval --rasa http://127.0.0.1:5005 --token $(scripts/rasa-token)`.

Judging is deliberately literal, so it can be wrong in the bot's favour only where noted:
- `answers_topic`: the topic's answer from content/data/content.yaml (its first sentence) is
  in the reply, or, for a follow-up or a repeat, one of the topic's facets or the one line that
  says the topic was answered above: the reply stays in the topic's context.
- `answers_facet`: the first sentence of that facet of the topic (cost, requirements, ...) is
  in the reply, in the conversation's language.
- `language`: the bot's words are counted against short lists of Spanish and English function
  words; a reply with no text is not judged for language.
- `services_for`: the offer kept in the `offered_services` slot names that place (or it fell
  back to a wider level of the same place).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import Engine, select

import casework
from actions.replies import told_before
from content.topics import FACETS, get_facet, get_topic_content
from store import db

ROOT = Path(__file__).resolve().parents[1]
CONVERSATIONS = ROOT / "tests" / "conversations"
DOMAIN = ROOT / "domain.yml"


def conversation_files() -> list[Path]:
    """One file per language, named by it (es.yml, en.yml); the folder's guard.yml is not one."""
    return sorted(CONVERSATIONS.glob("??.yml"))


#: function words, to tell the bot's Spanish from its English (it writes both correctly)
_ES_WORDS = (
    "el la los las de del que y en para con por una un tu te tus puedes si no es está hay "
    "aquí más o al lo se su sus qué cómo dónde quieres ayuda persona servicios"
)
_EN_WORDS = (
    "the and to of you your in for is can a an if with are here more or it this what how "
    "where want help person services"
)
_ES, _EN = frozenset(_ES_WORDS.split()), frozenset(_EN_WORDS.split())
_WORD = re.compile(r"[a-záéíóúñü]+")


def reply_language(texts: list[str]) -> str | None:
    words = _WORD.findall(" ".join(texts).lower())
    es, en = sum(w in _ES for w in words), sum(w in _EN for w in words)
    if es == en:
        return None
    return "es" if es > en else "en"


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0][:120]


@dataclass
class Turn:
    conversation: str
    index: int
    user: str
    expect: dict[str, Any]
    replies: list[str] = field(default_factory=list)
    results: dict[str, bool] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return all(self.results.values())

    @property
    def chars(self) -> int:
        return sum(len(t) for t in self.replies)


class Judge:
    """What each expectation means, read off the domain's responses and the content file."""

    def __init__(self) -> None:
        responses = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]
        self.responses = {
            name: [v.get("text", "") for v in variations if v.get("text")]
            for name, variations in responses.items()
        }

    def said(self, replies: list[str], response: str) -> bool:
        joined = "\n".join(replies)
        return any(
            part and part in joined
            for text in self.responses.get(response, [])
            for part in text.split("\n\n")
        )

    @staticmethod
    def _name(topic: str) -> str:
        return topic.removeprefix("ask_").replace("report_", "")

    def topic(self, topic: str, language: str) -> str:
        return first_sentence(get_topic_content(self._name(topic), language).answer)

    def facet(self, topic: str, facet: str, language: str) -> str:
        return first_sentence(get_facet(self._name(topic), facet, language).text)

    def in_topic(self, replies: list[str], topic: str, language: str) -> bool:
        """The topic's answer, one of its facets, or the line saying it was answered above."""
        joined = "\n".join(replies)
        name = self._name(topic)
        marks = [
            self.topic(topic, language),
            told_before(name, language),
            *(self.facet(topic, f, language) for f in FACETS),
        ]
        return any(mark in joined for mark in marks)


class Player:
    def __init__(self, rasa: str, token: str, engine: Engine, person_key: Any) -> None:
        self.rasa = rasa.rstrip("/")
        self.token = token
        self.engine = engine
        self.person_key = person_key
        self.client = httpx.Client(timeout=60)
        self.judge = Judge()

    def _say(self, sender: str, text: str) -> list[dict[str, Any]]:
        r = self.client.post(
            f"{self.rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text}
        )
        r.raise_for_status()
        out: list[dict[str, Any]] = r.json()
        return out

    def _tracker(self, sender: str) -> dict[str, Any]:
        r = self.client.get(
            f"{self.rasa}/conversations/{sender}/tracker", params={"token": self.token}
        )
        r.raise_for_status()
        out: dict[str, Any] = r.json()
        return out

    def _handoff(self, key: str) -> str:
        with db.session(self.engine) as s:
            rows = s.scalars(
                select(casework.Handoff.status).where(casework.Handoff.conversation_key == key)
            ).all()
        if not rows:
            return "none"
        return "created" if any(r != "closed" for r in rows) else "closed"

    def play(self, conversation: dict[str, Any], language: str) -> list[Turn]:
        sender = "eval-" + uuid.uuid4().hex
        key = self.person_key(sender)
        buttons: list[dict[str, str]] = []
        turns: list[Turn] = []
        for i, step in enumerate(conversation["turns"]):
            turn = Turn(conversation["id"], i, str(step["user"]), dict(step.get("expect") or {}))
            # a button's title typed (or pressed) sends its payload, as a channel would
            pressed = next(
                (b["payload"] for b in buttons if b["title"].lower() == turn.user.lower()), None
            )
            answer = self._say(sender, pressed or turn.user)
            turn.replies = [m.get("text", "") for m in answer if m.get("text")]
            buttons = [b for m in answer for b in m.get("buttons") or []]
            self.check(turn, sender, key, language)
            turns.append(turn)
        return turns

    def check(self, turn: Turn, sender: str, key: str, language: str) -> None:
        j, replies, results = self.judge, turn.replies, turn.results
        expect = turn.expect
        lang = expect.get("language", language)
        for name, wanted in expect.items():
            if name == "language":
                seen = reply_language(replies)
                results[name] = seen is None or seen == wanted
            elif name == "answers_topic":
                results[name] = j.in_topic(replies, wanted, lang)
            elif name == "answers_facet":
                topic = expect.get("answers_topic")
                results[name] = bool(topic) and j.facet(str(topic), wanted, lang) in "\n".join(
                    replies
                )
            elif name == "asks_place":
                results[name] = any(
                    "corregimiento" in r.lower() and "?" in r for r in replies
                ) == bool(wanted)
            elif name == "services_for":
                offered = (self._tracker(sender).get("slots") or {}).get("offered_services")
                place = offered.get("place") if isinstance(offered, dict) else None
                results[name] = bool(
                    isinstance(offered, dict)
                    and offered.get("services")
                    and place is not None
                    and place in self._names_of(str(wanted))
                )
            elif name == "emergency_numbers":
                results[name] = bool(replies) and ("911" in replies[0]) == bool(wanted)
            elif name == "hotline":
                results[name] = str(wanted) in "\n".join(replies)
            elif name == "no_emergency":
                results[name] = not j.said(replies, "utter_emergency")
            elif name == "asks_consent":
                results[name] = j.said(replies, "utter_handoff_consent") == bool(wanted)
            elif name == "handoff":
                results[name] = self._handoff(key) == wanted
            elif name == "asks_erasure_confirmation":
                results[name] = j.said(replies, "utter_confirm_delete") == bool(wanted)
            elif name == "erased":
                said_erased = j.said(replies, "utter_data_deleted")
                results[name] = said_erased == bool(wanted)
            elif name == "not_menu":
                menu = any(
                    j.said(replies, r)
                    for r in ("utter_help", "utter_default", "utter_out_of_scope")
                )
                results[name] = not menu
            elif name == "max_chars":
                results[name] = turn.chars <= int(wanted)

    def _names_of(self, wanted: str) -> set[str]:
        """The place and the wider places a search may fall back to (its distrito, ...)."""
        from referral_directory.placedb import place_index

        index = place_index(self.engine)
        found = index.resolve(wanted).place
        if found is None:
            return {wanted}
        return {node.name for node in index.ancestors(found.id)}


def run(player: Player, paths: list[Path]) -> list[Turn]:
    turns: list[Turn] = []
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for conversation in data["conversations"]:
            turns += player.play(conversation, path.stem.split("_")[0])
    return turns


def report(turns: list[Turn]) -> dict[str, Any]:
    chars = sorted(t.chars for t in turns)
    by_key: Counter[str] = Counter()
    met: Counter[str] = Counter()
    for t in turns:
        for k, ok in t.results.items():
            by_key[k] += 1
            met[k] += ok
    return {
        "conversations": len({t.conversation for t in turns}),
        "turns": len(turns),
        "turns_done": sum(t.done for t in turns),
        "done_rate": round(sum(t.done for t in turns) / max(1, len(turns)), 4),
        "conversations_fully_done": sum(
            all(t.done for t in turns if t.conversation == c)
            for c in {t.conversation for t in turns}
        ),
        "chars_per_turn": {
            "median": statistics.median(chars) if chars else 0,
            "p95": chars[int(0.95 * (len(chars) - 1))] if chars else 0,
            "max": chars[-1] if chars else 0,
        },
        "by_expectation": {k: {"met": met[k], "of": by_key[k]} for k in sorted(by_key)},
    }


def markdown(summary: dict[str, Any], turns: list[Turn]) -> str:
    lines = [
        "# Conversation evaluation",
        "",
        f"{summary['conversations']} blind conversations (tests/conversations/), "
        f"{summary['turns']} turns, through Rasa's REST channel of the running stack.",
        "",
        f"- turns that did what the person needed: **{summary['turns_done']} / "
        f"{summary['turns']} ({summary['done_rate']:.1%})**",
        f"- conversations where every turn did: {summary['conversations_fully_done']}",
        f"- characters per turn (all the bot's messages): median "
        f"{summary['chars_per_turn']['median']}, p95 {summary['chars_per_turn']['p95']}, "
        f"max {summary['chars_per_turn']['max']}",
        "",
        "| expectation | met | of |",
        "|---|---|---|",
        *(f"| `{k}` | {v['met']} | {v['of']} |" for k, v in summary["by_expectation"].items()),
        "",
        "## Turns not done",
        "",
        "| conversation | turn | person wrote | failed | bot said (start) |",
        "|---|---|---|---|---|",
    ]
    for t in turns:
        if not t.done:
            failed = ", ".join(k for k, ok in t.results.items() if not ok)
            said = " / ".join(r[:60] for r in t.replies[:2]).replace("|", "\\|").replace("\n", " ")
            user = t.user[:70].replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {t.conversation} | {t.index + 1} | {user} | {failed} | {said} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    from privacy.keys import conversation_key, hash_key_from_env

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rasa", default="http://127.0.0.1:5005")
    parser.add_argument("--token", required=True)
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    args = parser.parse_args(argv)
    secret = hash_key_from_env()
    player = Player(
        args.rasa, args.token, db.engine(), lambda s: conversation_key("rasa", s, secret)
    )
    turns = run(player, conversation_files())
    summary = report(turns)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "conversation_eval.json").write_text(json.dumps(summary, indent=2) + "\n")
    (args.out / "conversation_eval.md").write_text(markdown(summary, turns))
    print(markdown(summary, turns).split("## Turns not done")[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
