"""Telegram, through python-telegram-bot: polling by default, a webhook when configured.

The handlers are a few lines each and relay to Rasa (`bot.relay`); they only decide what text
stands for what the person did. Commands map to intent payloads, a pressed button sends its
payload, a shared location asks for the services near it (the point stays in the gateway's
memory; Rasa gets only a token for it, see `bot.points`), and anything that is not text gets a
kind reply and goes nowhere. Only private chats are served: in a group the bot would read other
people's messages.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any, Final

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import texts
from bot.rasa import BotMessage, Button
from bot.ratelimit import RateLimiter, telegram_limiter
from bot.relay import Relay
from bot.render import (
    TELEGRAM_TEXT_LIMIT,
    callback_token,
    fits_callback,
    split_text,
    utf16_length,
)
from bot.routes import Route
from bot.settings import TelegramSettings
from bot.telegram.limiter import TelegramRateLimiter
from bot.texts import Language

logger = logging.getLogger(__name__)

ALLOWED_UPDATES: Final = ["message", "callback_query"]
#: command -> the payload Rasa gets (the intents are in domain.yml)
COMMAND_PAYLOADS: Final = {
    "help": "/help",
    "ayuda": "/help",
    "idioma": "/change_language",
    "language": "/change_language",
    "privacidad": "/ask_privacy",
    "privacy": "/ask_privacy",
    "borrar": "/delete_my_data",
    "delete": "/delete_my_data",
}
_COMMANDS: Final = {
    "es": [
        ("start", "Empezar y aviso de privacidad"),
        ("help", "Temas en los que te oriento"),
        ("idioma", "Cambiar de idioma"),
        ("privacidad", "Qué se guarda de ti"),
        ("borrar", "Borrar tus datos"),
    ],
    "en": [
        ("start", "Start and privacy notice"),
        ("help", "Topics I can help with"),
        ("language", "Change language"),
        ("privacy", "What is kept about you"),
        ("delete", "Delete your data"),
    ],
}
#: Telegram shows "typing…" for 5 s; it is renewed a little before.
TYPING_EVERY: Final = 4.5
_MAX_TOKENS: Final = 5000

_PRIVATE = filters.ChatType.PRIVATE
_MESSAGE = filters.UpdateType.MESSAGE


class TelegramGateway:
    """The Application, its handlers and its lifecycle."""

    def __init__(
        self, settings: TelegramSettings, relay: Relay, limiter: RateLimiter | None = None
    ) -> None:
        self.settings = settings
        self.relay = relay
        #: payloads too long for callback_data, by token (memory only; see render.callback_token)
        self._payloads: OrderedDict[str, str] = OrderedDict()
        builder = (
            Application.builder()
            .token(settings.token)
            .base_url(settings.base_url)
            .rate_limiter(TelegramRateLimiter(limiter or telegram_limiter()))
            .concurrent_updates(64)
        )
        if settings.webhook:
            builder = builder.updater(None)
        self.application = builder.build()
        #: told each update id once its answer went out (the server's seen ids: dedupe.py)
        self.on_processed: Callable[[int], Awaitable[None]] | None = None
        self._add_handlers()

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect (getMe), publish the command menu, then poll or register the webhook."""
        app = self.application
        await app.initialize()
        await self._publish_commands()
        if self.settings.webhook:
            await app.bot.set_webhook(
                url=str(self.settings.webhook_url),
                secret_token=self.settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        elif app.updater is not None:
            await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        await app.start()
        logger.info("telegram started (%s)", "webhook" if self.settings.webhook else "polling")

    async def stop(self) -> None:
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    async def feed(self, data: dict[str, Any]) -> None:
        """Queue an update that Telegram posted to the webhook (after the secret was checked)."""
        update = Update.de_json(data, self.application.bot)
        await self.application.update_queue.put(update)

    async def _publish_commands(self) -> None:
        for language, commands in _COMMANDS.items():
            try:
                await self.application.bot.set_my_commands(
                    [BotCommand(name, about) for name, about in commands],
                    language_code=None if language == "es" else language,
                )
            except TelegramError as exc:
                logger.warning("telegram command menu not set: %s", type(exc).__name__)

    # --- handlers -------------------------------------------------------------------------------

    def _add_handlers(self) -> None:
        app = self.application
        app.add_handler(CommandHandler("start", self.on_start, filters=_PRIVATE & _MESSAGE))
        app.add_handler(
            CommandHandler(list(COMMAND_PAYLOADS), self.on_command, filters=_PRIVATE & _MESSAGE)
        )
        app.add_handler(MessageHandler(_PRIVATE & _MESSAGE & filters.LOCATION, self.on_location))
        app.add_handler(
            MessageHandler(_PRIVATE & _MESSAGE & filters.TEXT & ~filters.COMMAND, self.on_text)
        )
        app.add_handler(MessageHandler(_PRIVATE & _MESSAGE & filters.COMMAND, self.on_command))
        app.add_handler(CallbackQueryHandler(self.on_button))
        # everything else a person can send: voice, audio, photo, sticker, document, contact…
        app.add_handler(MessageHandler(_PRIVATE & _MESSAGE, self.on_unsupported))
        app.add_error_handler(self.on_error)
        # group 1 runs after group 0's handler for the same update has finished
        app.add_handler(TypeHandler(Update, self._processed), group=1)

    async def _processed(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if self.on_processed is not None:
            await self.on_processed(update.update_id)

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The privacy notice (one line per language) and the language choice; nothing to Rasa."""
        chat, hint = update.effective_chat, self._hint(update)
        if chat is None:
            return
        order: tuple[Language, Language] = ("en", "es") if hint == "en" else ("es", "en")
        notice = "\n".join(texts.text("privacy_notice", language) for language in order)
        choose = texts.short("choose_language", None)
        await context.bot.send_message(
            chat.id,
            f"{notice}\n\n{choose}",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton(t, callback_data=p) for t, p in texts.LANGUAGE_BUTTONS]]
            ),
        )
        logger.info("telegram %s start", self._short(update))

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/help, /idioma, /privacidad, /borrar… become their intent; unknown ones, the menu."""
        message = update.effective_message
        command = (message.text or "").split()[0][1:].split("@")[0].lower() if message else ""
        await self._turn(update, COMMAND_PAYLOADS.get(command, "/help"), {}, event="command")

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text:
            await self._turn(update, message.text, {}, event="text")

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A pressed inline button: answer the callback (the spinner stops), relay the payload."""
        query = update.callback_query
        if query is None:
            return
        with suppress(TelegramError):
            await query.answer()
        data = query.data or ""
        payload = self._payloads.get(data) if data.startswith("~") else data
        if not payload:
            chat = update.effective_chat
            if chat is not None:
                await self._say(chat.id, texts.text("button_expired", self._hint(update)))
            return
        await self._turn(update, payload, {}, event="button")

    async def on_location(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A shared point: Rasa is asked for services near it, with a token for the point (the
        coordinates stay in the gateway's memory until the action server takes them)."""
        message = update.effective_message
        if message is None or message.location is None:
            return
        where = message.location
        token = self.relay.point_metadata(where.latitude, where.longitude)
        await self._turn(update, "/find_service", token, event="location")

    async def on_unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Voice notes, photos, stickers, documents, contacts: a kind reply, nothing forwarded."""
        chat = update.effective_chat
        if chat is not None:
            await self._say(chat.id, texts.text("only_text", self._hint(update)))
        logger.info("telegram %s unsupported message: kind reply", self._short(update))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure (redacted by the log filters) and carry on: the gateway never stops."""
        error = context.error
        logger.error(
            "telegram handler failed: %s",
            type(error).__name__,
            exc_info=(type(error), error, error.__traceback__) if error else None,
        )

    # --- the turn -------------------------------------------------------------------------------

    async def _turn(self, update: Update, text: str, extra: dict[str, Any], *, event: str) -> None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        hint = self._hint(update)
        who = self.relay.person("telegram", user.id)
        metadata = {"language_hint": hint, **extra}
        async with self.relay.conversation(who):
            async with self._typing(chat.id):
                answers = await self.relay.ask(
                    who, text, metadata, Route("telegram", str(chat.id)), event=event
                )
            if answers is None:
                await self._say(chat.id, texts.text("unavailable", hint))
                return
            for answer in answers:
                await self._send(chat.id, answer, hint)

    async def _send(self, chat_id: int, message: BotMessage, hint: Language | None) -> None:
        """One of Rasa's messages: split at Telegram's limit, buttons under the last piece."""
        body = message.text or texts.short("choose", hint)
        pieces = split_text(body, TELEGRAM_TEXT_LIMIT, utf16_length)
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            markup = self._keyboard(message.buttons) if last and message.buttons else None
            await self._say(chat_id, piece, markup)

    async def _say(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        await self.application.bot.send_message(
            chat_id,
            text,
            reply_markup=markup,
            link_preview_options=LinkPreviewOptions(is_disabled=True),  # data costs money
        )

    def _keyboard(self, buttons: tuple[Button, ...]) -> InlineKeyboardMarkup:
        """One button per row (titles are long and phones narrow)."""
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(b.title, callback_data=self._callback(b.payload))]
                for b in buttons
            ]
        )

    def _callback(self, payload: str) -> str:
        """The payload itself, or a token standing for it when it is too long for Telegram."""
        if fits_callback(payload):
            return payload
        token = callback_token(payload)
        self._payloads[token] = payload
        self._payloads.move_to_end(token)
        while len(self._payloads) > _MAX_TOKENS:
            self._payloads.popitem(last=False)
        return token

    @asynccontextmanager
    async def _typing(self, chat_id: int) -> AsyncIterator[None]:
        """Show "typing…" while Rasa thinks (renewed until the answer is there)."""

        async def keep_typing() -> None:
            while True:
                with suppress(TelegramError):
                    await self.application.bot.send_chat_action(chat_id, ChatAction.TYPING)
                await asyncio.sleep(TYPING_EVERY)

        task = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    @staticmethod
    def _hint(update: Update) -> Language | None:
        user = update.effective_user
        return texts.language_hint(user.language_code if user else None)

    def _short(self, update: Update) -> str:
        user = update.effective_user
        return self.relay.person("telegram", user.id).short if user else "-"
