"""Many people at once on the embedded stack (the short form of `make bench`'s load test).

Twenty people write five messages each, all at the same time, through Rasa's REST channel: every
message gets an answer that is not "try again later", within the load tool's 10 s, and every
conversation's tracker holds exactly what its person said, in order. No timing is asserted
beyond the 10 s a person is promised: the figures are `make bench`'s (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio

from tests.e2e.conftest import Stack
from tools.load import lost_or_reordered, run


def test_twenty_people_at_once_all_answered_nothing_lost_or_reordered(stack: Stack) -> None:
    result = asyncio.run(run(stack.rasa, conversations=20, messages=5, prefix="e2e-load"))
    assert result.sent == 100
    assert result.errors == 0, result.line()
    assert result.answered == 100
    assert lost_or_reordered(stack.rasa, stack.token, result.senders) == []
