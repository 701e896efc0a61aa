"""`/api/v1/auth/`: register, login, token refresh/verify, logout and password reset."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import decode_token, get_jwt

from kastoma.api import Blueprint
from kastoma.auth import current_user
from kastoma.envelope import answer, set_message
from kastoma.extensions import db
from kastoma.schemas import MessageSchema
from kastoma.users import registration, services
from kastoma.users.models import User
from kastoma.users.ratelimits import limit, limit_per_account, limit_per_identifier, limit_per_ip
from kastoma.users.schemas import (
    AuthResultSchema,
    ConfirmTokenSchema,
    LoginSchema,
    LogoutSchema,
    NewPasswordSchema,
    PasswordResetConfirmSchema,
    PasswordResetRequestSchema,
    RefreshSchema,
    RegisterSchema,
    TokenInfoSchema,
    TokenPairSchema,
    VerifySchema,
)
from kastoma.users.tokens import (
    TokenInvalid,
    TokenRevoked,
    decode_refresh_token,
    is_access_token_revoked,
    issue_token_pair,
    refresh_token_state,
    revoke_access_token,
    revoke_family,
    rotate_refresh_token,
    token_is_current,
)

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Registration, login and tokens.")

RESET_REQUESTED = "If an account exists for this email, a password reset link has been sent."


@blp.route("/register/")
class Register(MethodView):
    decorators = [limit("RATELIMIT_REGISTER")]

    @blp.arguments(RegisterSchema)
    @blp.response(201, AuthResultSchema, description="The account exists and is signed in.")
    @blp.alt_response(
        202,
        schema=MessageSchema,
        description="REGISTRATION_EMAIL_CONFIRMATION is on (production's default): a link was mailed to "
        "the address, and `auth/register/confirm/` creates the account. The answer is the same whether or "
        "not the address already has an account (that address is told so by mail instead).",
    )
    @blp.doc_errors(400, 429)
    def post(self, data):
        """Create a customer account and log it in (or, with confirmation on, mail the link to do so)"""
        data.pop("password_confirm", None)
        if registration.confirmation_required():
            registration.request_registration(data)
            db.session.commit()
            return answer(202, MessageSchema(), {"detail": registration.CONFIRMATION_SENT})
        return _signed_in(services.create_user(**data))


@blp.route("/register/confirm/")
class RegisterConfirm(MethodView):
    decorators = [limit("RATELIMIT_REGISTER")]

    @blp.arguments(ConfirmTokenSchema)
    @blp.response(201, AuthResultSchema)
    @blp.doc_errors(400, 429)
    def post(self, data):
        """Create the account of a confirmed sign-up (the code from the mailed link) and log it in"""
        return _signed_in(registration.confirm_registration(data["token"]))


def _signed_in(user: User) -> dict:
    tokens = issue_token_pair(user)
    services.send_welcome_email(user)
    db.session.commit()
    set_message("Account created.")
    return {**tokens, "user": user}


@blp.route("/login/")
class Login(MethodView):
    decorators = [limit_per_account("RATELIMIT_LOGIN"), limit_per_ip("RATELIMIT_LOGIN_PER_IP")]

    @blp.arguments(LoginSchema)
    @blp.response(200, AuthResultSchema)
    @blp.doc_errors(400, 401, 429)
    def post(self, data):
        """Exchange email (or username) and password for a token pair"""
        user = services.authenticate(data["password"], email=data.get("email"), username=data.get("username"))
        tokens = issue_token_pair(user)
        db.session.commit()
        return {**tokens, "user": user}


@blp.route("/refresh/")
class Refresh(MethodView):
    @blp.arguments(RefreshSchema)
    @blp.response(200, TokenPairSchema)
    @blp.doc_errors(400, 401)
    def post(self, data):
        """Rotate a refresh token: a new pair; the old refresh token stops working"""
        try:
            _, tokens = rotate_refresh_token(data["refresh"])
        except TokenRevoked:
            db.session.commit()  # keep the family revocation of a detected reuse
            raise
        db.session.commit()
        return tokens


@blp.route("/verify/")
class Verify(MethodView):
    @blp.arguments(VerifySchema)
    @blp.response(200, TokenInfoSchema)
    @blp.doc_errors(400, 401)
    def post(self, data):
        """Check that a token is genuine, unexpired and not revoked"""
        payload = decode_token(data["token"])
        if payload.get("type") == "access":
            revoked = is_access_token_revoked(payload["jti"])
        else:
            revoked = refresh_token_state(payload) != "active"
        user = db.session.get(User, _uuid(payload["sub"]))
        if revoked or user is None or not token_is_current(user, payload):
            raise TokenRevoked()
        return {
            "valid": True,
            "token_type": payload["type"],
            "user_id": user.id,
            "expires_at": datetime.fromtimestamp(payload["exp"], UTC),
        }


def _uuid(value: str):
    import uuid

    try:
        return uuid.UUID(value)
    except (ValueError, TypeError) as exc:
        raise TokenInvalid() from exc


@blp.route("/logout/")
class Logout(MethodView):
    @blp.auth()
    @blp.arguments(LogoutSchema, required=False)
    @blp.response(200, MessageSchema)
    @blp.doc_errors(400)
    def post(self, data):
        """Revoke the current access token and the given refresh token's login session"""
        user = current_user()
        revoke_access_token(get_jwt())
        if data.get("refresh"):
            payload = decode_refresh_token(data["refresh"])
            if payload["sub"] != str(user.id):
                raise TokenInvalid("This refresh token belongs to another account.")
            revoke_family(_uuid(payload["fam"]))
        db.session.commit()
        return {"detail": "Logged out."}


@blp.route("/password-reset/")
class PasswordReset(MethodView):
    decorators = [limit_per_identifier("RATELIMIT_PASSWORD_RESET")]

    @blp.arguments(PasswordResetRequestSchema)
    @blp.response(200, MessageSchema)
    @blp.doc_errors(400, 429)
    def post(self, data):
        """Email a single-use reset token (the answer never reveals whether the account exists)"""
        services.request_password_reset(data["email"], current_app.config["PASSWORD_RESET_URL"])
        db.session.commit()
        return {"detail": RESET_REQUESTED}


def _confirm_reset(token: str | None, data: dict):
    services.confirm_password_reset(token or "", data["new_password"])
    db.session.commit()
    set_message("Password changed. Log in with the new password.")
    return {"detail": "Password changed."}


@blp.route("/password-reset-confirm/")
class PasswordResetConfirm(MethodView):
    @blp.arguments(PasswordResetConfirmSchema)
    @blp.response(200, MessageSchema)
    @blp.doc_errors(400)
    def post(self, data):
        """Set a new password with a reset token (token in the body)"""
        return _confirm_reset(data.get("token"), data)


@blp.route("/password-reset-confirm/<string:token>/")
class PasswordResetConfirmInPath(MethodView):
    @blp.arguments(NewPasswordSchema)
    @blp.response(200, MessageSchema)
    @blp.doc_errors(400)
    def post(self, data, token):
        """Set a new password with a reset token (token in the path)"""
        return _confirm_reset(token, data)
