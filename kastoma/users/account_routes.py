"""The signed-in user's own account and profile: `users/me/`, `profile/...`, `profiles/me/`."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from kastoma.api import Blueprint
from kastoma.auth import current_user
from kastoma.envelope import set_message
from kastoma.errors import ValidationFailed
from kastoma.extensions import db
from kastoma.media import delete_media, save_image
from kastoma.schemas import MessageSchema
from kastoma.users import email_change, profiles, services
from kastoma.users.schemas import (
    AuthResultSchema,
    AvatarUploadSchema,
    ChangePasswordSchema,
    ConfirmTokenSchema,
    ProfileSchema,
    UserReplaceSchema,
    UserSchema,
    UserUpdateSchema,
)
from kastoma.users.tokens import issue_token_pair

blp = Blueprint("account", __name__, url_prefix="/api/v1", description="The signed-in user's account and profile.")

AVATAR_MAX_BYTES = 2 * 1024 * 1024


@blp.route("/users/me/")
class Me(MethodView):
    @blp.auth()
    @blp.response(200, UserSchema)
    def get(self):
        """The signed-in user"""
        return current_user()

    @blp.auth()
    @blp.arguments(UserReplaceSchema)
    @blp.response(200, UserSchema)
    @blp.doc_errors(400)
    def put(self, data):
        """Set the username and names (left out: emptied); ask for a new email as with PATCH"""
        return _update_me(data)

    @blp.auth()
    @blp.arguments(UserUpdateSchema(partial=True))
    @blp.response(200, UserSchema)
    @blp.doc_errors(400)
    def patch(self, data):
        """Update names or username; ask for a new email (with `current_password`; confirmed from the new address)"""
        return _update_me(data)


def _update_me(data: dict):
    user = services.update_account(current_user(), data)
    if "email" in data and email_change.request_email_change(user, data["email"], data.get("current_password")):
        set_message(email_change.CONFIRMATION_SENT)
    db.session.commit()
    return user


@blp.route("/users/me/email/confirm/")
class ConfirmEmailChange(MethodView):
    @blp.arguments(ConfirmTokenSchema)
    @blp.response(200, MessageSchema)
    @blp.doc_errors(400)
    def post(self, data):
        """Apply an email change with the code mailed to the new address; every session ends"""
        email_change.confirm_email_change(data["token"])
        db.session.commit()
        set_message("Email changed. Log in again with the new address.")
        return {"detail": "Email changed."}


@blp.route("/profile/change-password/")
class ChangePassword(MethodView):
    @blp.auth()
    @blp.arguments(ChangePasswordSchema)
    @blp.response(200, AuthResultSchema)
    @blp.doc_errors(400)
    def post(self, data):
        """Change the password (needs the current one); returns a new token pair"""
        user = current_user()
        services.change_password(user, data["current_password"], data["new_password"])
        # Every earlier token is now refused; this session continues with a fresh pair.
        tokens = issue_token_pair(user)
        db.session.commit()
        set_message("Password changed; other sessions were signed out.")
        return {**tokens, "user": user}


@blp.route("/profile/delete/")
class DeleteAccount(MethodView):
    @blp.auth()
    @blp.response(200, MessageSchema)
    def delete(self):
        """Deactivate the signed-in account; its tokens stop working"""
        services.deactivate_account(current_user())
        db.session.commit()
        return {"detail": "Account deactivated."}


# Aliases kept for clients of the original API.
blp.add_url_rule("/profile/", endpoint="ProfileAlias", view_func=Me)
blp.add_url_rule("/profile/update/", endpoint="ProfileUpdateAlias", view_func=Me)
blp.add_url_rule("/users/update_profile/", endpoint="UpdateProfileAlias", view_func=Me)
blp.add_url_rule("/users/change_password/", endpoint="ChangePasswordAlias", view_func=ChangePassword)
blp.add_url_rule("/users/delete_account/", endpoint="DeleteAccountAlias", view_func=DeleteAccount)


@blp.route("/profiles/me/")
class MyProfile(MethodView):
    @blp.auth()
    @blp.response(200, ProfileSchema)
    def get(self):
        """Profile details: phone, birthday, bio, address, newsletter choices"""
        return current_user().profile

    @blp.auth()
    @blp.arguments(ProfileSchema)
    @blp.response(200, ProfileSchema)
    @blp.doc_errors(400)
    def put(self, data):
        """Set every profile detail (the ones left out are emptied)"""
        profile = profiles.replace_profile(current_user().profile, data)
        db.session.commit()
        return profile

    @blp.auth()
    @blp.arguments(ProfileSchema(partial=True))
    @blp.response(200, ProfileSchema)
    @blp.doc_errors(400)
    def patch(self, data):
        """Update profile details"""
        profile = profiles.update_profile(current_user().profile, data)
        db.session.commit()
        return profile


blp.add_url_rule("/profiles/update_me/", endpoint="UpdateMyProfileAlias", view_func=MyProfile)


@blp.route("/profiles/me/avatar/")
class Avatar(MethodView):
    @blp.auth()
    @blp.arguments(AvatarUploadSchema, location="files")
    @blp.response(200, ProfileSchema)
    @blp.doc_errors(400, 413)
    def post(self, files):
        """Upload an avatar (PNG, JPEG or WebP, at most 2 MB)"""
        unexpected = [name for name in [*request.form, *request.files] if name != "avatar"]
        if unexpected:
            raise ValidationFailed(errors={name: ["Unknown field."] for name in unexpected})
        profile = current_user().profile
        previous = profile.avatar
        profile.avatar = save_image(files["avatar"], "avatars", AVATAR_MAX_BYTES, field="avatar")
        db.session.commit()
        delete_media(previous)
        return profile
