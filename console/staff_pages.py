"""Staff pages beside the directory: /content (a topic's answer in both languages, saved
through the content loader's checks: content/editing.py), /directory/csv (import with a
preview of what each row changes before anything is written, and export) and /try (the
assistant as a migrant sees it, through Rasa's REST channel, called from the server so the
browser needs no token and no CORS). Kept out of console/app.py, which only registers them
(importing this module when it builds the app: this module uses its base view)."""

from __future__ import annotations

import csv
import datetime as dt
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from flask import Response, abort, flash, jsonify, redirect, request, session, url_for
from flask_admin import expose
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.wrappers import Response as BaseResponse
from wtforms import DateField, TextAreaField
from wtforms.validators import DataRequired

from console.app import ActionForm, RoleView, ViewResult, _user
from content import editing
from content.topics import LANGUAGES, MAX_ANSWER_CHARS, TOPICS, ContentFileError
from referral_directory import csv_io

#: the content's topics as staff read them (the same words as the queue's topics)
TOPIC_LABELS = {
    "regularization": lazy_gettext("regularization"),
    "refuge": lazy_gettext("refugee status"),
    "work_permit": lazy_gettext("work permit"),
    "employment": lazy_gettext("employment"),
    "health": lazy_gettext("health"),
    "psychosocial": lazy_gettext("psychosocial care"),
    "voluntary_return": lazy_gettext("voluntary return"),
    "discrimination": lazy_gettext("discrimination"),
}
assert set(TOPIC_LABELS) == set(TOPICS)
#: a message typed on the try page: as long as a chat message gets
MAX_TRY_CHARS = 1000
#: Rasa answers a message in well under a second; a model still loading takes longer
RASA_TIMEOUT = 30.0


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class TopicForm(FlaskForm):
    """Both languages of one topic; each field is `<name>_<language>`, the date is shared (the
    loader wants the same one in both)."""

    answer_es = TextAreaField(lazy_gettext("Answer"), validators=[DataRequired()])
    steps_es = TextAreaField(lazy_gettext("Steps (one a line)"))
    sources_es = TextAreaField(
        lazy_gettext("Sources (one a line: institution | https://link)"),
        validators=[DataRequired()],
    )
    answer_en = TextAreaField(lazy_gettext("Answer"), validators=[DataRequired()])
    steps_en = TextAreaField(lazy_gettext("Steps (one a line)"))
    sources_en = TextAreaField(
        lazy_gettext("Sources (one a line: institution | https://link)"),
        validators=[DataRequired()],
    )
    reviewed = DateField(lazy_gettext("Reviewed on"), validators=[DataRequired()])

    def texts(self) -> dict[str, editing.TopicText]:
        assert self.reviewed.data is not None
        return {
            language: editing.TopicText(
                answer=getattr(self, f"answer_{language}").data or "",
                steps=tuple(_lines(getattr(self, f"steps_{language}").data)),
                sources=editing.parse_sources(_lines(getattr(self, f"sources_{language}").data)),
                reviewed=self.reviewed.data,
            )
            for language in LANGUAGES
        }


def _form_data(texts: dict[str, editing.TopicText]) -> dict[str, Any]:
    data: dict[str, Any] = {"reviewed": texts["es"].reviewed}
    for language, text in texts.items():
        data[f"answer_{language}"] = text.answer
        data[f"steps_{language}"] = "\n".join(text.steps)
        data[f"sources_{language}"] = editing.source_lines(text.sources)
    return data


class ContentView(RoleView):
    roles = ("staff",)

    @expose("/")
    def index(self) -> ViewResult:
        return self.render(
            "console/content.html",
            rows=editing.review_status(),
            labels=TOPIC_LABELS,
            review_days=editing.REVIEW_DAYS,
        )

    @expose("/<topic>", methods=("GET", "POST"))
    def edit(self, topic: str) -> ViewResult:
        if topic not in TOPICS:
            abort(404)
        form = TopicForm(data=_form_data(editing.read_topic(topic)))
        if request.method == "POST":
            if form.validate_on_submit():
                try:
                    editing.save_topic(topic, form.texts())
                except ContentFileError as exc:
                    flash(gettext("Not saved: %(why)s", why=str(exc)), "error")
                    return Response(self._edit(topic, form), status=422)
                flash(gettext("Saved: the assistant answers with it now."), "success")
                return redirect(url_for("content.edit", topic=topic))
            return Response(self._edit(topic, form), status=422)
        return self._edit(topic, form)

    def _edit(self, topic: str, form: TopicForm) -> str:
        return self.render(
            "console/topic.html",
            topic=topic,
            label=TOPIC_LABELS[topic],
            form=form,
            languages=LANGUAGES,
            max_chars=MAX_ANSWER_CHARS,
        )


class TryBotView(RoleView):
    """The chat page. Each browser session is one conversation, under a random sender id of
    its own (no person's id), which "start again" replaces."""

    roles = ("staff",)

    def __init__(self, rasa_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rasa_url = rasa_url.rstrip("/")

    @expose("/")
    def index(self) -> ViewResult:
        return self.render("console/try.html", max_chars=MAX_TRY_CHARS)

    @expose("/restart", methods=("POST",))
    def restart(self) -> ViewResult:
        session.pop("try_sender", None)
        return jsonify({"restarted": True})

    @expose("/send", methods=("POST",))
    def send(self) -> ViewResult:
        body = request.get_json(silent=True)
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, str) or not message.strip():
            return _error(gettext("Write a message first."), 400)
        if len(message) > MAX_TRY_CHARS:
            return _error(gettext("At most %(n)d characters.", n=MAX_TRY_CHARS), 400)
        sender = session.setdefault("try_sender", "console-try-" + secrets.token_hex(12))
        try:
            answer = httpx.post(
                f"{self.rasa_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": message.strip()},
                timeout=RASA_TIMEOUT,
            )
        except httpx.HTTPError as exc:
            why = gettext("the assistant cannot be reached (%(kind)s)", kind=type(exc).__name__)
            return _error(why, 502)
        if answer.status_code != 200:
            return _error(gettext("the assistant answered %(code)d", code=answer.status_code), 502)
        data = answer.json()
        messages = [
            {
                "text": str(m.get("text") or ""),
                "buttons": [
                    {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                    for b in m.get("buttons") or []
                    if isinstance(b, dict)
                ],
            }
            for m in (data if isinstance(data, list) else [])
            if isinstance(m, dict) and (m.get("text") or m.get("buttons"))
        ]
        return jsonify({"messages": messages, "at": dt.datetime.now(dt.UTC).isoformat()})


#: an uploaded CSV waits here between its preview and "write": one file per preview, under a
#: random name the staff member's session holds; gone once written, or after an hour
UPLOADS = Path(tempfile.gettempdir()) / "console-csv-imports"
UPLOAD_HOURS = 1
#: a directory of thousands of services is well under this
MAX_CSV_BYTES = 5 * 1024 * 1024


class CsvForm(FlaskForm):
    file = FileField(lazy_gettext("CSV file"), validators=[FileRequired()])


def _forget_old_uploads() -> None:
    cutoff = time.time() - UPLOAD_HOURS * 3600
    for old in UPLOADS.glob("*.csv"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


class DirectoryCsvView(RoleView):
    """Import in two steps: the file is checked and its changes shown (a dry run of
    `csv_io.import_csv`, all or nothing), then written on "Write these changes"; export of
    every service in the same columns."""

    roles = ("staff",)

    def is_visible(self) -> bool:
        return False  # reached from the directory page

    @expose("/")
    def index(self) -> ViewResult:
        return self.render("console/csv.html", form=CsvForm(), report=None, token=None)

    @expose("/export")
    def export(self) -> ViewResult:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "services.csv"
            csv_io.export_csv(path)
            data = path.read_bytes()
        name = f"servicios-{dt.date.today().isoformat()}.csv"
        return Response(
            data,
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename={name}"},
        )

    @expose("/preview", methods=("POST",))
    def preview(self) -> ViewResult:
        form = CsvForm()
        if not form.validate_on_submit():
            return Response(self._page(form, None, None), status=400)
        data = form.file.data.read(MAX_CSV_BYTES + 1)
        if len(data) > MAX_CSV_BYTES:
            flash(gettext("The file is larger than %(n)d MB.", n=MAX_CSV_BYTES // 2**20), "error")
            return Response(self._page(form, None, None), status=413)
        UPLOADS.mkdir(mode=0o700, exist_ok=True)
        _forget_old_uploads()
        token = secrets.token_hex(16)
        path = UPLOADS / f"{token}.csv"
        path.write_bytes(data)
        try:
            report = csv_io.import_csv(path, dry_run=True, actor=_user().email)
        except (UnicodeDecodeError, csv.Error) as exc:
            path.unlink(missing_ok=True)
            why = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(exc)
            flash(gettext("Not a CSV file the directory can read: %(why)s", why=why), "error")
            return Response(self._page(form, None, None), status=422)
        if report.errors:
            path.unlink(missing_ok=True)
            return Response(self._page(form, report, None), status=422)
        session["csv_import"] = token
        return self._page(form, report, token)

    @expose("/apply", methods=("POST",))
    def apply(self) -> ViewResult:
        if not ActionForm().validate_on_submit():
            abort(400)
        token = request.form.get("token", "")
        path = UPLOADS / f"{token}.csv"
        if not token or session.pop("csv_import", None) != token or not path.exists():
            flash(gettext("That preview has expired: upload the file again."), "error")
            return redirect(url_for("directory_csv.index"))
        try:
            report = csv_io.import_csv(path, actor=_user().email)
        finally:
            path.unlink(missing_ok=True)
        if report.errors:  # the directory changed since the preview
            flash(gettext("Nothing written: the file no longer passes the checks."), "error")
            return Response(self._page(CsvForm(), report, None), status=422)
        flash(
            gettext(
                "Written: %(created)d new, %(updated)d changed, %(unchanged)d unchanged.",
                created=report.created,
                updated=report.updated,
                unchanged=report.unchanged,
            ),
            "success",
        )
        return redirect(url_for("directory.index"))

    def _page(self, form: CsvForm, report: csv_io.ImportReport | None, token: str | None) -> str:
        return self.render(
            "console/csv.html", form=form, report=report, token=token, action=ActionForm()
        )


def _error(message: str, status: int) -> BaseResponse:
    response = jsonify({"error": message})
    response.status_code = status
    return response
