"""A bounded load generator for Rasa's REST channel: many people writing at once.

Each simulated person is a sender of their own who sends a scripted conversation, one message
after the other, waiting for each answer as a person would; ``concurrency`` of them write at
the same time. What counts as an error is what a person would count as one: no HTTP 200, no
answer at all, an answer later than ``timeout`` seconds, or the "try again later" text (the
stack answered, but could not serve them). Latency is per message; throughput is messages
answered per second of wall time.

The scripts are written for this tool (not taken from an evaluation set): everyday questions
in both languages, so that the model, the action server and the directory all work as they
would for real people. No emergency is in them: a load test must not open urgent cases.

`python -m tools.load --url http://127.0.0.1:5005 --conversations 200 --messages 10`; the
tests (tests/production, tests/e2e) and the benchmark (tools/bench.py) call `run`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from bot.texts import text

#: the conversations people have with the bot, ten messages each (cycled when M > 10)
SCRIPTS: tuple[tuple[str, ...], ...] = (
    (
        "hola",
        "necesito ayuda con mi permiso de trabajo",
        "cuanto cuesta",
        "y cuanto tiempo tarda",
        "que papeles piden",
        "vivo en San Miguelito",
        "gracias",
        "tambien busco trabajo",
        "hay cursos gratis?",
        "chao",
    ),
    (
        "hi",
        "I need a doctor for my son",
        "I live in Herrera",
        "is it free?",
        "what documents do I need",
        "and where is it exactly",
        "thank you",
        "can I also get help with my papers",
        "how long does it take",
        "bye",
    ),
    (
        "buenas tardes",
        "quiero regularizar mi situacion migratoria",
        "mi visa esta vencida",
        "cuanto es la multa",
        "estoy en Las Mañanitas",
        "que mas servicios hay",
        "ok",
        "quien ve mis mensajes?",
        "muchas gracias",
        "hasta luego",
    ),
    (
        "hello",
        "where can I talk to someone about stress",
        "I am in Barrio Colón",
        "does it cost anything",
        "more services please",
        "what can you do",
        "I want to go back to my country",
        "who can help me with that",
        "thanks a lot",
        "goodbye",
    ),
    (
        "ola",
        "me quiero informar sobre el refugio",
        "cuanto demora",
        "donde queda la oficina",
        "vivo en Omar Torrijos",
        "y para trabajar legal",
        "necesito el carnet",
        "gracias por la informacion",
        "que otros servicios tienen",
        "adios",
    ),
)


@dataclass
class Result:
    """One run's figures: what `make bench` writes and the load tests assert on."""

    conversations: int
    messages_per_conversation: int
    concurrency: int
    #: the mean pause between an answer and the next message, in seconds
    think_s: float = 0.0
    #: the seconds over which the people's first messages were spread
    ramp_s: float = 0.0
    sent: int = 0
    answered: int = 0
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    wall_s: float = 0.0
    throughput: float = 0.0
    #: each conversation's sender and the messages it sent, in order (to read trackers back)
    senders: dict[str, list[str]] = field(default_factory=dict)

    def line(self) -> str:
        return (
            f"{self.conversations} conversations x {self.messages_per_conversation} messages, "
            f"{self.concurrency} at once"
            + (f", {self.think_s:g} s pauses" if self.think_s else "")
            + (f", starting over {self.ramp_s:g} s" if self.ramp_s else "")
            + f": {self.answered}/{self.sent} answered, "
            f"{self.errors} errors {self.error_kinds or ''}, p50 {self.p50_ms:.0f} ms, "
            f"p95 {self.p95_ms:.0f} ms, p99 {self.p99_ms:.0f} ms, {self.throughput:.1f} msg/s"
        )


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[min(98, max(0, round(q) - 1))]


def messages_for(index: int, count: int) -> list[str]:
    """Conversation ``index``'s ``count`` messages: its script, cycled."""
    script = SCRIPTS[index % len(SCRIPTS)]
    return [script[i % len(script)] for i in range(count)]


async def run(
    url: str,
    conversations: int,
    messages: int,
    concurrency: int | None = None,
    timeout: float = 10.0,
    prefix: str = "load",
    think: float = 0.0,
    ramp: float = 0.0,
) -> Result:
    """Run the load against ``url`` (Rasa's base URL or the gateway's REST address).

    ``think`` is the mean pause, in seconds, between an answer and the person's next message
    (drawn evenly from half to one and a half times it, the same for every run): people read
    and type. 0 sends each message the moment the answer comes, the worst case. ``ramp``
    spreads the people's first messages evenly over that many seconds (Locust's spawn rate)
    instead of all in the same instant."""
    concurrency = min(concurrency or conversations, conversations)
    result = Result(conversations, messages, concurrency, think_s=think, ramp_s=ramp)
    unavailable = {text("unavailable", None), text("unavailable", "es"), text("unavailable", "en")}
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)
    run_id = uuid.uuid4().hex[:8]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    def failed(kind: str) -> None:
        result.errors += 1
        result.error_kinds[kind] = result.error_kinds.get(kind, 0) + 1

    async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:

        async def person(index: int) -> None:
            sender = f"{prefix}-{run_id}-{index}"
            said = messages_for(index, messages)
            result.senders[sender] = said
            pauses = random.Random(index)
            if ramp:
                await asyncio.sleep(ramp * index / conversations)
            async with gate:
                for position, message in enumerate(said):
                    if think and position:
                        await asyncio.sleep(pauses.uniform(think / 2, think * 1.5))
                    result.sent += 1
                    started = time.perf_counter()
                    try:
                        response = await client.post(
                            f"{url}/webhooks/rest/webhook",
                            json={"sender": sender, "message": message},
                        )
                    except httpx.TimeoutException:
                        failed("timeout")
                        continue
                    except httpx.HTTPError as exc:
                        failed(type(exc).__name__)
                        continue
                    took = (time.perf_counter() - started) * 1000
                    if response.status_code != 200:
                        failed(f"http {response.status_code}")
                        continue
                    answers: list[dict[str, Any]] = response.json()
                    if not answers:
                        failed("no answer")
                        continue
                    if any(a.get("text") in unavailable for a in answers):
                        failed("try again later")
                        continue
                    result.answered += 1
                    latencies.append(took)

        started = time.perf_counter()
        await asyncio.gather(*(person(i) for i in range(conversations)))
        result.wall_s = time.perf_counter() - started
    result.p50_ms = percentile(latencies, 50)
    result.p95_ms = percentile(latencies, 95)
    result.p99_ms = percentile(latencies, 99)
    result.max_ms = max(latencies, default=0.0)
    result.throughput = result.answered / result.wall_s if result.wall_s else 0.0
    return result


def lost_or_reordered(url: str, token: str, senders: dict[str, list[str]]) -> list[str]:
    """The senders whose tracker, read back through Rasa's API, does not hold exactly the
    messages they sent, in order: an event lost, doubled or reordered under load."""
    wrong: list[str] = []
    with httpx.Client(timeout=30) as client:
        for sender, said in senders.items():
            tracker = client.get(
                f"{url}/conversations/{sender}/tracker", params={"token": token}
            ).json()
            stored = [e.get("text") for e in tracker.get("events", []) if e["event"] == "user"]
            if stored != said:
                wrong.append(sender)
    return wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--think", type=float, default=0.0, help="mean pause between messages, s")
    parser.add_argument("--ramp", type=float, default=0.0, help="first messages spread over, s")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    result = asyncio.run(
        run(
            args.url,
            args.conversations,
            args.messages,
            args.concurrency,
            args.timeout,
            think=args.think,
            ramp=args.ramp,
        )
    )
    if args.json:
        figures = asdict(result)
        figures.pop("senders")
        print(json.dumps(figures, indent=2))
    else:
        print(result.line())
    return 1 if result.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
