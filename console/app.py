"""The console's Flask application: Flask-Admin views behind Flask-Login, CSRF on every form
(Flask-WTF), failed sign-ins rate-limited (Flask-Limiter), pages in gettext catalogues
(Flask-Babel, Spanish first)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from flask import Flask, Response, abort, flash, jsonify, redirect, request, session, url_for
from flask_admin import Admin, AdminIndexView, BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.theme import Bootstrap4Theme
from flask_babel import Babel, gettext, lazy_gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response as BaseResponse
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp, ValidationError

from console import accounts, cases, directory
from console.gateway import GatewayClient, GatewayError
from console.models import MAX_NOTE_CHARS, ROLES, ConsoleUser
from console.settings import SESSION_HOURS, Settings
from content.contacts import iom_contact
from content.topics import TOPICS as CONTENT_TOPICS
from content.topics import get_topic_content
from referral_directory.models import SERVICE_STATUSES
from referral_directory.records import RecordError
from store import db

HERE = Path(__file__).resolve().parent
EMERGENCY_FILE = HERE.parent / "content" / "data" / "emergency_numbers.yaml"
LANGUAGES = ("es", "en")
#: the gateway's reply limit is the channel's; a caseworker's message stays short
MAX_REPLY_CHARS = 2000

ViewResult = str | BaseResponse

#: words the templates show by value (statuses, outcomes, roles, history): in the catalogues
WORDS = (
    lazy_gettext("new"),
    lazy_gettext("in progress"),
    lazy_gettext("referred"),
    lazy_gettext("closed"),
    lazy_gettext("claimed"),
    lazy_gettext("status"),
    lazy_gettext("noted"),
    lazy_gettext("replied"),
    lazy_gettext("sent"),
    lazy_gettext("held"),
    lazy_gettext("answered"),
    lazy_gettext("withdrawn"),
    lazy_gettext("erased"),
    lazy_gettext("in_progress"),
    lazy_gettext("admin"),
    lazy_gettext("staff"),
    lazy_gettext("caseworker"),
    lazy_gettext("wrong data"),
)


#: the handoff's topic (the NLU contract's intent names), as a caseworker reads it
TOPICS = {
    "ask_regularization": lazy_gettext("regularization"),
    "ask_refuge": lazy_gettext("refugee status"),
    "ask_work_permit": lazy_gettext("work permit"),
    "ask_employment": lazy_gettext("employment"),
    "ask_health": lazy_gettext("health"),
    "ask_psychosocial": lazy_gettext("psychosocial care"),
    "find_service": lazy_gettext("services nearby"),
    "ask_voluntary_return": lazy_gettext("voluntary return"),
    "emergency": lazy_gettext("emergency"),
    "report_discrimination": lazy_gettext("discrimination"),
    "request_human": lazy_gettext("asked for a person"),
}


def topic_label(code: str | None) -> str:
    return "—" if not code else str(TOPICS.get(code, code))


def _user() -> accounts.Account:
    user: accounts.Account = current_user._get_current_object()
    return user


# --- forms ----------------------------------------------------------------------------------


class LoginForm(FlaskForm):
    email = StringField(lazy_gettext("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(lazy_gettext("Password"), validators=[DataRequired()])


class ActionForm(FlaskForm):
    """A button: only the CSRF token (CSRFProtect checks every POST of the app as well)."""


class StatusForm(FlaskForm):
    status = SelectField(
        lazy_gettext("Status"),
        choices=[("new", lazy_gettext("new")), ("in_progress", lazy_gettext("in progress"))],
    )


class NoteForm(FlaskForm):
    note = TextAreaField(
        lazy_gettext("Internal note"), validators=[DataRequired(), Length(max=MAX_NOTE_CHARS)]
    )


class ReferForm(FlaskForm):
    service = SelectField(lazy_gettext("Referred to"), validators=[DataRequired()])


class ReplyForm(FlaskForm):
    message = TextAreaField(
        lazy_gettext("Reply to the person"),
        validators=[DataRequired(), Length(max=MAX_REPLY_CHARS)],
    )


def _phone(form: FlaskForm, field: StringField) -> None:
    if field.data:
        try:
            field.data = directory.normal_phone(field.data)
        except ValueError as exc:
            raise ValidationError(gettext("Not a valid phone number")) from exc


class ServiceForm(FlaskForm):
    name = StringField(lazy_gettext("Name (Spanish)"), validators=[DataRequired(), Length(max=300)])
    name_en = StringField(lazy_gettext("Name (English)"), validators=[Optional(), Length(max=300)])
    description = TextAreaField(lazy_gettext("Description (Spanish)"), validators=[Optional()])
    description_en = TextAreaField(lazy_gettext("Description (English)"), validators=[Optional()])
    phone = StringField(lazy_gettext("Phone"), validators=[Optional(), _phone])
    email = StringField(
        lazy_gettext("E-mail"), validators=[Optional(), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    )
    url = StringField(lazy_gettext("Web page"), validators=[Optional(), URL()])
    hours = StringField(lazy_gettext("Hours (Spanish)"), validators=[Optional()])
    hours_en = StringField(lazy_gettext("Hours (English)"), validators=[Optional()])
    address = StringField(lazy_gettext("Address"), validators=[Optional()])
    corregimiento = SelectField(lazy_gettext("Corregimiento"), validators=[Optional()])


SERVICE_FIELDS = (
    "name",
    "name_en",
    "description",
    "description_en",
    "phone",
    "email",
    "url",
    "hours",
    "hours_en",
    "address",
    "corregimiento",
)


class CloseServiceForm(FlaskForm):
    status = SelectField(
        lazy_gettext("Close as"),
        choices=[(s, s) for s in SERVICE_STATUSES if s != "active"],
    )


# --- helpers --------------------------------------------------------------------------------


def waiting_text(delta: dt.timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return gettext("%(n)d min", n=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return gettext("%(h)d h %(m)d min", h=hours, m=minutes)
    return gettext("%(d)d days", d=hours // 24)


def topic_reply(topic: str | None, language: str) -> str | None:
    """The content's answer on the handoff's topic (an intent name: "ask_health" is "health"),
    with its source, as the bot gives it; None when the topic has no orientation answer."""
    name = (topic or "").removeprefix("ask_").removeprefix("report_")
    if name not in CONTENT_TOPICS:
        return None
    found = get_topic_content(name, "en" if language == "en" else "es")
    source = " ".join(x for x in (found.source.institution, found.source.url) if x)
    return f"{found.answer}\n{'Source' if language == 'en' else 'Fuente'}: {source}"


def canned_replies(language: str, topic: str | None = None) -> list[tuple[str, str]]:
    """(label, text) in the person's language: the sourced emergency numbers, the IOM contact,
    and the content's answer on the case's topic (as edited on /content)."""
    raw = yaml.safe_load(EMERGENCY_FILE.read_text(encoding="utf-8"))
    numbers = raw.get("numbers", []) if isinstance(raw, dict) else []
    name = "name_en" if language == "en" else "name_es"
    lines = [f"{n['number']}: {n[name]}" for n in numbers if n.get("number")]
    head = "Emergency numbers in Panama" if language == "en" else "Números de emergencia en Panamá"
    iom = iom_contact()
    iom_head = "You can also reach" if language == "en" else "También puede comunicarse con"
    canned = [
        (gettext("Emergency numbers"), head + ":\n" + "\n".join(lines)),
        (gettext("IOM contact"), f"{iom_head} {iom.line('en' if language == 'en' else 'es')}"),
    ]
    answer = topic_reply(topic, language)
    if answer is not None:
        canned.append((gettext("Answer on %(topic)s", topic=topic_label(topic)), answer))
    return canned


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else None


# --- views ----------------------------------------------------------------------------------


class RoleView(BaseView):
    roles: tuple[str, ...] = ()

    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated) and _user().can(*self.roles)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> BaseResponse:
        if not current_user.is_authenticated:
            return redirect(url_for("login.index", next=request.full_path.rstrip("?")))
        abort(403)


class HomeView(AdminIndexView):
    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> BaseResponse:
        return redirect(url_for("login.index"))

    @expose("/")
    def index(self) -> ViewResult:
        if _user().can("caseworker"):
            return redirect(url_for("handoffs.index"))
        return redirect(url_for("directory.index"))


class LoginView(BaseView):
    def is_visible(self) -> bool:
        return False

    @expose("/", methods=("GET", "POST"))
    def index(self) -> ViewResult:
        form = LoginForm()
        if form.validate_on_submit():
            account = accounts.authenticate(form.email.data or "", form.password.data or "")
            if account is not None:
                session.clear()
                session.permanent = True
                login_user(account)
                return redirect(_safe_next(request.args.get("next")) or url_for("admin.index"))
            flash(gettext("Wrong e-mail or password."), "error")
            return Response(self.render("console/login.html", form=form), status=401)
        return self.render("console/login.html", form=form)


class LogoutView(BaseView):
    def is_visible(self) -> bool:
        return False

    @expose("/", methods=("POST",))
    def index(self) -> ViewResult:
        logout_user()
        session.clear()
        return redirect(url_for("login.index"))


class HandoffsView(RoleView):
    roles = ("caseworker",)

    def __init__(self, gateway: GatewayClient, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gateway = gateway

    def _rows(self) -> str:
        return self.render(
            "console/handoff_rows.html",
            cases=cases.queue(),
            waiting=waiting_text,
            now=dt.datetime.now(dt.UTC),
        )

    @expose("/")
    def index(self) -> ViewResult:
        total, urgent = cases.counts()
        return self.render(
            "console/handoffs.html",
            rows=self._rows(),
            total=total,
            urgent=urgent,
            stamp=cases.queue_stamp(),
            poll_seconds=self.admin.app.config["CONSOLE_POLL_SECONDS"],
        )

    @expose("/poll")
    def poll(self) -> ViewResult:
        """The counts, and the rows only when the queue changed since the page's `since`."""
        total, urgent = cases.counts()
        body: dict[str, object] = {"open": total, "urgent": urgent, "stamp": cases.queue_stamp()}
        if request.args.get("since") != body["stamp"]:
            body["rows"] = self._rows()
        return jsonify(body)

    @expose("/<handoff_id>")
    def case(self, handoff_id: str) -> ViewResult:
        found = cases.get(handoff_id)
        if found is None:
            abort(404)
        refer = ReferForm()
        refer.service.choices = [
            (r.id or "", f"{r.name} ({r.corregimiento or 'nacional'})")
            for r in directory.services(status="active")
        ]
        if found.referred_service_id:
            refer.service.data = found.referred_service_id
        referred = next(
            (label for value, label in refer.service.choices if value == found.referred_service_id),
            None,
        )
        window, window_error = None, None
        if found.channel == "whatsapp" and found.can_reply:
            try:  # before a reply is written: will it arrive now? (the 24-hour window)
                window = self.gateway.window(cases.reply_target(handoff_id)[2])
            except (GatewayError, ValueError) as exc:
                window_error = str(exc)
        return self.render(
            "console/case.html",
            case=found,
            window=window,
            window_error=window_error,
            history=cases.history(handoff_id),
            waiting=waiting_text,
            action=ActionForm(),
            status_form=StatusForm(status="in_progress" if found.status != "new" else "new"),
            note=NoteForm(),
            refer=refer,
            referred=referred,
            reply=ReplyForm(),
            canned=canned_replies(found.language, found.topic),
        )

    def _done(self, handoff_id: str) -> BaseResponse:
        return redirect(url_for("handoffs.case", handoff_id=handoff_id))

    def _guard(self, action: Callable[[], None], handoff_id: str) -> BaseResponse:
        try:
            action()
        except LookupError:
            abort(404)
        except ValueError as exc:
            flash(str(exc), "error")
        return self._done(handoff_id)

    @expose("/<handoff_id>/claim", methods=("POST",))
    def claim(self, handoff_id: str) -> ViewResult:
        user = _user()
        return self._guard(lambda: cases.claim(handoff_id, user.id, user.email), handoff_id)

    @expose("/<handoff_id>/status", methods=("POST",))
    def status(self, handoff_id: str) -> ViewResult:
        form = StatusForm()
        if not form.validate_on_submit():
            abort(400)
        return self._guard(
            lambda: cases.set_status(handoff_id, form.status.data or "", _user().email),
            handoff_id,
        )

    @expose("/<handoff_id>/note", methods=("POST",))
    def note(self, handoff_id: str) -> ViewResult:
        form = NoteForm()
        if not form.validate_on_submit():
            flash(gettext("Write the note first."), "error")
            return self._done(handoff_id)
        return self._guard(
            lambda: cases.add_note(handoff_id, form.note.data or "", _user().email), handoff_id
        )

    @expose("/<handoff_id>/refer", methods=("POST",))
    def refer(self, handoff_id: str) -> ViewResult:
        form = ReferForm()
        form.service.choices = [(r.id or "", r.name) for r in directory.services(status="active")]
        if not form.validate_on_submit():
            flash(gettext("Pick a service of the directory."), "error")
            return self._done(handoff_id)
        service_id = form.service.data or ""
        name = directory.get(service_id).name
        return self._guard(
            lambda: cases.refer(handoff_id, service_id, name, _user().email), handoff_id
        )

    @expose("/<handoff_id>/reply", methods=("POST",))
    def reply(self, handoff_id: str) -> ViewResult:
        form = ReplyForm()
        if not form.validate_on_submit():
            flash(gettext("Write the reply first."), "error")
            return self._done(handoff_id)
        try:
            route, language, key = cases.reply_target(handoff_id)
            delivery = self.gateway.reply(
                route=route, language=language, text=form.message.data or "", conversation_key=key
            )
        except ValueError as exc:
            flash(str(exc), "error")
            return self._done(handoff_id)
        except GatewayError as exc:
            flash(gettext("The reply was not sent: %(why)s", why=str(exc)), "error")
            return self._done(handoff_id)
        cases.record_reply(handoff_id, _user().email, "held" if delivery.held else "sent")
        if delivery.held:
            flash(gettext("Held: it goes when the person writes again (WhatsApp)."), "warning")
        elif delivery.sent == "nothing":
            flash(gettext("The reply was not sent: %(why)s", why=delivery.channel), "error")
        else:
            flash(gettext("Reply sent."), "success")
        return self._done(handoff_id)

    @expose("/<handoff_id>/close", methods=("POST",))
    def close(self, handoff_id: str) -> ViewResult:
        try:
            key = cases.close(handoff_id, _user().email)
        except LookupError:
            abort(404)
        except ValueError as exc:
            flash(str(exc), "error")
            return self._done(handoff_id)
        try:
            self.gateway.closed(key)
        except GatewayError as exc:
            flash(gettext("Closed; the gateway was not told: %(why)s", why=str(exc)), "warning")
        else:
            flash(gettext("Closed: the assistant answers the person again."), "success")
        return redirect(url_for("handoffs.index"))


class DirectoryView(RoleView):
    roles = ("staff",)

    @expose("/")
    def index(self) -> ViewResult:
        args = {k: request.args.get(k, "") for k in ("q", "corregimiento", "type", "status")}
        args["stale"] = "1" if request.args.get("stale") else ""
        found = directory.services(
            text=args["q"],
            corregimiento=args["corregimiento"],
            service_type=args["type"],
            status=args["status"],
            stale=bool(args["stale"]),
        )
        return self.render(
            "console/directory.html",
            services=found,
            args=args,
            corregimientos=directory.corregimientos(),
            types=directory.known_types(),
            statuses=SERVICE_STATUSES,
            flags=len(directory.open_flags()),
        )

    @expose("/<service_id>", methods=("GET", "POST"))
    def edit(self, service_id: str) -> ViewResult:
        try:
            record = directory.get(service_id)
        except LookupError:
            abort(404)
        form = ServiceForm(data={f: getattr(record, f) for f in SERVICE_FIELDS})
        form.corregimiento.choices = [("", "—")] + [(c, c) for c in directory.corregimientos()]
        if form.validate_on_submit():
            changes = {
                f: (getattr(form, f).data or None)
                for f in SERVICE_FIELDS
                if (getattr(form, f).data or None) != getattr(record, f)
            }
            confirmed = set(request.form.getlist("confirm")) & set(record.caveats)
            if confirmed:  # a caveat cleared: staff checked the value (confidence, #12)
                changes["caveats"] = {k: v for k, v in record.caveats.items() if k not in confirmed}
            if changes:
                try:
                    directory.update(service_id, actor=_user().email, **changes)
                except RecordError as exc:
                    flash(str(exc), "error")
                    return self._edit(record, form)
            flash(gettext("Saved."), "success")
            return redirect(url_for("directory.edit", service_id=service_id))
        return self._edit(record, form)

    def _edit(self, record: Any, form: ServiceForm) -> str:
        return self.render(
            "console/service.html",
            record=record,
            form=form,
            action=ActionForm(),
            close_form=CloseServiceForm(),
            audit=directory.audit_trail(record.id)[-8:],
        )

    def _change(self, service_id: str, change: Callable[[], object]) -> BaseResponse:
        if not ActionForm().validate_on_submit():
            abort(400)
        try:
            change()
        except LookupError:
            abort(404)
        except RecordError as exc:
            flash(str(exc), "error")
        else:
            flash(gettext("Saved."), "success")
        return redirect(url_for("directory.edit", service_id=service_id))

    @expose("/<service_id>/verify", methods=("POST",))
    def verify(self, service_id: str) -> ViewResult:
        return self._change(
            service_id, lambda: directory.mark_verified(service_id, actor=_user().email)
        )

    @expose("/<service_id>/close", methods=("POST",))
    def close(self, service_id: str) -> ViewResult:
        status = request.form.get("status", "inactive")
        return self._change(
            service_id, lambda: directory.close(service_id, status, actor=_user().email)
        )

    @expose("/<service_id>/reopen", methods=("POST",))
    def reopen(self, service_id: str) -> ViewResult:
        return self._change(
            service_id,
            lambda: directory.update(service_id, status="active", actor=_user().email),
        )

    @expose("/flags")
    def flags(self) -> ViewResult:
        return self.render("console/flags.html", flags=directory.open_flags(), action=ActionForm())

    @expose("/flags/<flag_id>/resolve", methods=("POST",))
    def resolve(self, flag_id: str) -> ViewResult:
        if not ActionForm().validate_on_submit():
            abort(400)
        try:
            directory.resolve_flag(flag_id)
        except LookupError:
            abort(404)
        flash(gettext("Flag resolved."), "success")
        return redirect(url_for("directory.flags"))


class UsersView(ModelView):
    """Accounts, for admins only. A new password is hashed (argon2); the hash is never shown."""

    form_base_class = FlaskForm
    can_view_details = False
    column_list = ("email", "role", "active", "created_at")
    column_labels = {
        "email": lazy_gettext("E-mail"),
        "role": lazy_gettext("Role"),
        "active": lazy_gettext("Active"),
        "created_at": lazy_gettext("Created"),
    }
    column_searchable_list = ("email",)
    column_filters = ("role", "active")
    form_columns = ("email", "role", "active", "new_password")
    form_choices = {"role": [(r, r) for r in ROLES]}
    form_extra_fields = {
        "new_password": PasswordField(
            lazy_gettext("New password"),
            validators=[Optional(), Length(min=accounts.MIN_PASSWORD_LENGTH)],
        )
    }

    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated) and _user().role == "admin"

    def inaccessible_callback(self, name: str, **kwargs: Any) -> BaseResponse:
        if not current_user.is_authenticated:
            return redirect(url_for("login.index", next=request.full_path.rstrip("?")))
        abort(403)

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        model.email = accounts.normal_email(model.email)
        password = form.new_password.data
        if password:
            model.password_hash = accounts.hash_password(password)
        elif is_created:
            raise ValidationError(gettext("A new account needs a password."))


# --- the application ------------------------------------------------------------------------


#: The console's Content-Security-Policy: everything from its own origin, no plugin, no frame of
#: it anywhere, forms post only to it. Script only from its own files or with the page's nonce
#: (Talisman makes one a request; Flask-Admin puts it on its own tags): no inline event handler,
#: no `javascript:` link, so text a person wrote that reached a page could not run even if it
#: slipped past escaping. The Flask-Admin templates that had inline handlers are overridden in
#: templates/admin/ and console/static/console.js does what they did. Inline styles stay allowed
#: (Flask-Admin's widgets set them); style cannot run script.
CONTENT_SECURITY_POLICY: dict[str, str | list[str]] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _secure_headers(app: Flask, settings: Settings) -> None:
    """Security headers on every response (Flask-Talisman): the CSP above, X-Frame-Options DENY,
    nosniff, a referrer that never leaves the console (a case URL holds a handoff id), and HSTS
    with Secure, HttpOnly, SameSite cookies in the production profile only: the development
    profile serves plain HTTP on 127.0.0.1, where HSTS would pin the browser to HTTPS and a Secure
    cookie would never come back. Talisman does not redirect to HTTPS itself: in production the
    TLS proxy in front does."""
    production = settings.secure_cookies
    Talisman(
        app,
        force_https=False,
        strict_transport_security=production,
        strict_transport_security_max_age=365 * 24 * 3600,
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["script-src"],
        referrer_policy="same-origin",
        session_cookie_secure=production,
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )
    # Flask-Login's remember-me cookie (unused today) gets the same flags should it ever be set
    app.config.update(
        REMEMBER_COOKIE_SECURE=production,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
    )


def create_app(settings: Settings) -> Flask:
    """The console on the database of DATABASE_URL (read at each call, like the data parts)."""
    eng = db.engine()
    app = Flask(__name__, template_folder=str(HERE / "templates"))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        WTF_CSRF_TIME_LIMIT=SESSION_HOURS * 3600,
        BABEL_DEFAULT_LOCALE="es",
        BABEL_TRANSLATION_DIRECTORIES=str(HERE / "translations"),
        CONSOLE_POLL_SECONDS=10,
    )
    CSRFProtect(app)
    _secure_headers(app, settings)

    def locale() -> str:
        chosen = session.get("lang")
        return chosen if chosen in LANGUAGES else "es"

    Babel(app, locale_selector=locale)
    app.jinja_env.globals["current_language"] = locale
    app.jinja_env.filters["topic"] = topic_label

    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://")

    def login_key() -> str:
        return f"{get_remote_address()}|{request.form.get('email', '').strip().lower()}"

    login_manager = LoginManager(app)
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> accounts.Account | None:
        return accounts.load(user_id)

    # Flask-Admin's session provider, over the app's own models (they keep store.base.Base)
    app.config["SQLALCHEMY_DATABASE_URI"] = eng.url.render_as_string(hide_password=False)
    orm = SQLAlchemy(app)

    admin = Admin(
        app,
        name=lazy_gettext("Console"),
        url="/",
        index_view=HomeView(url="/", name=lazy_gettext("Home")),
        theme=Bootstrap4Theme(base_template="console/master.html", fluid=True),
        # the nonce Talisman made for this request, on Flask-Admin's own script tags
        csp_nonce_generator=lambda: getattr(request, "csp_nonce", ""),
    )
    gateway = GatewayClient(settings.gateway_url, settings.gateway_token)
    login_view = LoginView(name="login", endpoint="login", url="/login")

    # failed sign-ins only: per address and e-mail, and per address whatever the e-mail
    def failed(response: BaseResponse) -> bool:
        return response.status_code == 401

    per_address = limiter.limit(
        lambda: settings.address_limit,
        key_func=get_remote_address,
        methods=["POST"],
        deduct_when=failed,
    )
    per_account = limiter.limit(
        lambda: settings.login_limit, key_func=login_key, methods=["POST"], deduct_when=failed
    )
    login_view.index = per_account(per_address(login_view.index))
    admin.add_view(login_view)
    admin.add_view(LogoutView(name="logout", endpoint="logout", url="/logout"))
    admin.add_view(
        HandoffsView(gateway, name=lazy_gettext("Handoffs"), endpoint="handoffs", url="/handoffs")
    )
    admin.add_view(
        DirectoryView(name=lazy_gettext("Directory"), endpoint="directory", url="/directory")
    )
    admin.add_view(
        UsersView(ConsoleUser, orm, name=lazy_gettext("Users"), endpoint="users", url="/users")
    )

    # staff pages beside the directory: content edits, CSV import and export, the try-the-bot
    # chat (staff_pages.py)
    from console.staff_pages import ContentView, DirectoryCsvView, TryBotView

    admin.add_view(ContentView(name=lazy_gettext("Content"), endpoint="content", url="/content"))
    admin.add_view(DirectoryCsvView(name="csv", endpoint="directory_csv", url="/directory/csv"))
    admin.add_view(
        TryBotView(settings.rasa_url, name=lazy_gettext("Try the bot"), endpoint="try", url="/try")
    )

    # --- reports and open data (#13): their own modules, one call here (imported here: they
    # build on RoleView above) ---
    from console import reports_views

    reports_views.register(app, admin)

    @app.route("/lang/<code>")
    def language(code: str) -> BaseResponse:
        if code in LANGUAGES:
            session["lang"] = code
        return redirect(_safe_next(request.args.get("next")) or "/")

    return app
