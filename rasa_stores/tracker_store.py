"""Rasa's SQL tracker store, with nothing personal written and no conversation silently forgotten.

Two things Rasa Open Source 3.6 does not do, done here:

* **Scrub before writing.** Every event's dictionary goes through `scrub_event` (phones,
  e-mails, documents, cards, announced names) before its row is added; the trackers in memory,
  which serve the turn being answered, keep what the person wrote.
* **Say "try again" instead of forgetting.** Rasa wraps every tracker store in
  `FailSafeTrackerStore`, which, when the store cannot be read, returns no tracker: Rasa starts
  the conversation afresh and the person is answered as a stranger. Here, during a turn of our
  REST channel (rasa_stores/channel.py), a read that fails returns a paused placeholder
  tracker instead, so Rasa predicts nothing, runs no action and writes nothing; the channel then
  answers with the gateway's "try again in a few minutes" and the IOM contact. Outside a turn
  (Rasa's HTTP API) the error goes on to Rasa as before.
* **Say "try again" instead of half-remembering.** A turn's events are written in one
  transaction, so a write that fails writes none of them. Rasa's `FailSafeTrackerStore` would
  then keep them in one process's memory (lost on restart, and never seen by the next read
  from PostgreSQL, so the person's next message would meet a conversation without them).
  Here, during a turn, the failure marks the turn unavailable instead: the channel answers
  "try again in a few minutes" rather than the answer that could not be remembered, and the
  conversation stays as PostgreSQL has it, whole; the person says it again when it is back.
  (Spooling the events to replay them was the other way; it would answer a turn the store
  may then replay after a newer one from another replica, and keep scrubbed text on local
  disk: refused.) What the turn's actions did stays done: a referral row is in the log or in
  its spool (casework/spool.py), and is logged again if the person asks again. Outside a turn
  (Rasa's HTTP API) the failure goes on to Rasa as before.
* **Erase.** Saving a conversation with no events (what Rasa's API does when the person's
  erasure replaces their events with none) deletes its rows; Rasa's store would keep them all.

The URL comes from the endpoint (`url: ${TRACKER_STORE_URL}`), in the application's spelling
(postgresql+psycopg://, SQLAlchemy 2) or Rasa's (postgresql://, SQLAlchemy 1.4 and psycopg2).
"""

from __future__ import annotations

import contextvars
import json
import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy.exc
import sqlalchemy.orm
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, ConversationPaused, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from rasa_stores.scrubbing import scrub_event

logger = logging.getLogger(__name__)


@dataclass
class Turn:
    """One message being answered through our REST channel; the store marks it unavailable."""

    unavailable: bool = False


#: the turn in progress, set by the channel around Rasa's handling of one message
TURN: contextvars.ContextVar[Turn | None] = contextvars.ContextVar("rasa_stores_turn", default=None)


def rasa_database_url(url: str) -> str:
    """The URL in the spelling of Rasa's SQLAlchemy 1.4, which has no `psycopg` (3) driver."""
    for ours in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(ours):
            return "postgresql+psycopg2://" + url.removeprefix(ours)
    return url


class ScrubbingTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` that scrubs every event it writes (see the module's docstring)."""

    engine: sqlalchemy.engine.Engine

    def __init__(
        self,
        domain: Any = None,
        host: str | None = None,
        event_broker: Any = None,
        region: str = "PA",
        **kwargs: Any,
    ) -> None:
        if not host:
            raise ValueError("ScrubbingTrackerStore needs its database: url: ${TRACKER_STORE_URL}")
        if event_broker is not None:
            # a broker would publish the events unscrubbed, to a place we do not control
            raise ValueError("ScrubbingTrackerStore publishes to no event broker: remove it")
        self.region = region
        url = rasa_database_url(host)
        super().__init__(domain=domain, host=url, **kwargs)
        # Rasa's engine hands out pooled connections unchecked: after PostgreSQL restarts, each
        # one left in the pool would fail a turn. Checked before use, a dead one is replaced.
        rasas = self.engine
        rasas.dispose()
        self.engine = sqlalchemy.create_engine(
            rasas.url, pool_pre_ping=True, **create_engine_kwargs(url)
        )
        self.sessionmaker = sqlalchemy.orm.sessionmaker(bind=self.engine)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        try:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        except sqlalchemy.exc.SQLAlchemyError as exc:
            turn = TURN.get()
            logger.error(
                "tracker store cannot be read (%s)%s",
                type(exc).__name__,
                ": this turn is answered 'try again'" if turn else "",
            )
            if turn is None:
                raise
            turn.unavailable = True
            return self._placeholder(sender_id)

    def _placeholder(self, sender_id: str) -> DialogueStateTracker:
        """A started, paused conversation: Rasa runs no session start, predicts nothing."""
        events = [
            ActionExecuted(ACTION_SESSION_START_NAME),
            SessionStarted(),
            ActionExecuted(ACTION_LISTEN_NAME),
            ConversationPaused(),
        ]
        slots = self.domain.slots if self.domain else []
        return DialogueStateTracker.from_events(sender_id, events, slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Write the events not yet stored, each scrubbed; nothing for a placeholder."""
        turn = TURN.get()
        if turn is not None and turn.unavailable:
            return
        if not tracker.events:
            self.erase(tracker.sender_id)
            return
        try:
            with self.session_scope() as session:
                events = list(self._additional_events(session, tracker))
                for event in events:
                    data = scrub_event(event.as_dict(), self.region)
                    session.add(
                        self.SQLEvent(
                            sender_id=tracker.sender_id,
                            type_name=event.type_name,
                            timestamp=data.get("timestamp"),
                            intent_name=data.get("parse_data", {})
                            .get("intent", {})
                            .get(INTENT_NAME_KEY),
                            action_name=data.get("name"),
                            data=json.dumps(data),
                        )
                    )
                session.commit()
        except sqlalchemy.exc.SQLAlchemyError as exc:
            # SQLAlchemy's message carries the statement's parameters: only the kind is logged
            if turn is not None:
                logger.error(
                    "tracker store cannot be written (%s): nothing of this turn written, "
                    "the turn is answered 'try again'",
                    type(exc).__name__,
                )
                turn.unavailable = True
                return
            logger.error(
                "tracker store cannot be written (%s): Rasa keeps the events in this "
                "process's memory until it restarts",
                type(exc).__name__,
            )
            raise

    def erase(self, sender_id: str) -> int:
        """Delete every row of the conversation, in every session; how many there were.

        The person's erasure (actions/privacy.py) replaces the conversation's events with none
        through Rasa's API, which saves an empty tracker: Rasa's SQL store, which only ever
        appends, would keep every row. Here an empty tracker means the rows go.
        """
        with self.session_scope() as session:
            deleted = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        logger.info("tracker store: a conversation erased (%d events)", deleted)
        return int(deleted)
