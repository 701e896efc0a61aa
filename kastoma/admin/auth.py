"""Back-office sessions: login/logout pages, the signed-in staff member, and view access rules."""

from __future__ import annotations

import uuid
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address

from kastoma.core.settings import get_setting
from kastoma.extensions import db, limiter
from kastoma.users.models import User
from kastoma.users.ratelimits import limit_per_account
from kastoma.users.services import InvalidCredentials, authenticate, end_sessions

SESSION_KEY = "admin_user_id"
# The account's token_version at sign-in: a logout, a password change or reset, a deactivation
# or a confirmed email change moves it on, and every back-office session of the account ends
# with it, copied cookies included.
VERSION_KEY = "admin_token_version"

bp = Blueprint(
    "admin_auth", __name__, template_folder="templates", static_folder="static", static_url_path="/kastoma-static"
)


def current_staff() -> User | None:
    """The signed-in user, reloaded on every request (deactivated or demoted staff lose access)."""
    if "admin_user" in g:
        return g.admin_user
    user = None
    raw = session.get(SESSION_KEY)
    if raw:
        try:
            user = db.session.get(User, uuid.UUID(raw))
        except ValueError:
            user = None
        if user is not None and (not user.is_active or session.get(VERSION_KEY) != user.token_version):
            user = None
    g.admin_user = user
    return user


def is_signed_in() -> bool:
    return current_staff() is not None


def has_staff_access() -> bool:
    user = current_staff()
    return user is not None and user.is_staff


def has_admin_access() -> bool:
    user = current_staff()
    return user is not None and user.is_admin


def deny_access() -> Response:
    """Anonymous visitors go to the login page; signed-in customers (or staff on admin pages) get 403."""
    if not is_signed_in():
        return redirect(
            url_for("admin_auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
        )
    return Response(render_template("admin_kastoma/forbidden.html"), status=403)


def _login_limit() -> str:
    return current_app.config.get("RATELIMIT_ADMIN_LOGIN", "10/minute")


def _login_key() -> str:
    return f"admin-login|{get_remote_address()}"


def _safe_next(target: str | None) -> str:
    prefix = url_for("admin.index")
    # Only local back-office paths: never an absolute or protocol-relative URL.
    if target and target.startswith(prefix) and not target.startswith("//"):
        return target
    return prefix


@bp.route("/login/", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_login_key, methods=["POST"])
@limit_per_account("RATELIMIT_LOGIN", methods=["POST"])
def login() -> Any:
    """Sign in with email and password (staff and admins only)."""
    error = None
    if request.method == "POST":
        email = (request.form.get("email") or "").strip()
        password = request.form.get("password") or ""
        try:
            user = authenticate(password, email=email)
        except InvalidCredentials:
            db.session.rollback()
            user = None
            error = "Invalid email or password."
        if user is not None and not user.is_staff:
            db.session.rollback()
            user = None
            error = "This account has no access to the back office."
        if user is not None:
            db.session.commit()  # last_login_at and a possible rehash
            session.clear()  # no session fixation: a fresh session for the new identity
            session[SESSION_KEY] = str(user.id)
            session[VERSION_KEY] = user.token_version
            session.permanent = True
            flash(f"Welcome, {user.first_name or user.username}.", "success")
            return redirect(_safe_next(request.args.get("next")))
    status = 200
    if error:
        status = 403 if error.startswith("This account") else 401
    return render_template("admin_kastoma/login.html", error=error, store_name=store_name()), status


@bp.route("/logout/", methods=["POST"])
def logout() -> Any:
    """End the back-office session, and with it every other session of the account (a copied
    cookie, another browser, its API tokens): the account's token version moves on."""
    user = current_staff()
    if user is not None:
        end_sessions(user)
        db.session.commit()
    session.clear()
    flash("You have been signed out.", "info")
    return redirect(url_for("admin_auth.login"))


def store_name() -> str:
    return str(get_setting("store_name"))
