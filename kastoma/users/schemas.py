"""Request and response schemas of the users, auth, profile and address endpoints."""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma
from marshmallow import validate

from kastoma.media import media_url
from kastoma.roles import Role
from kastoma.schemas import StrictSchema
from kastoma.users.passwords import MAX_LENGTH, MIN_LENGTH

USERNAME = validate.Regexp(r"^[\w.@+-]{3,150}$", error="3-150 letters, digits and @/./+/-/_ only.")
# Phone and country may be left empty on profiles and addresses, but not malformed.
PHONE = validate.Regexp(r"^(\+?[0-9 ()-]{6,20})?$", error="Enter a valid phone number, e.g. +1 555 123 4567.")
COUNTRY_OR_EMPTY = validate.Regexp(r"^([A-Z]{2})?$", error="Use a two-letter ISO 3166 country code, e.g. US.")
# The policy (kastoma.users.passwords) gives the messages; the spec states the length it enforces.
PASSWORD_SPEC = {"minLength": MIN_LENGTH, "description": "8-128 characters, not a common or all-digit password."}
COUNTRY = validate.Regexp(r"^[A-Z]{2}$", error="Use a two-letter ISO 3166 country code, e.g. US.")


def normalise_email(value: str) -> str:
    return value.strip().lower()


# --- Accounts -------------------------------------------------------------------------------


class UserSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    username = ma.fields.String(dump_only=True)
    email = ma.fields.Email(dump_only=True)
    first_name = ma.fields.String(dump_only=True)
    last_name = ma.fields.String(dump_only=True)
    full_name = ma.fields.String(dump_only=True)
    role = ma.fields.Enum(Role, by_value=True, dump_only=True)
    is_active = ma.fields.Boolean(dump_only=True)
    date_joined = ma.fields.DateTime(attribute="created_at", dump_only=True)
    last_login = ma.fields.DateTime(attribute="last_login_at", dump_only=True, allow_none=True)


class UserUpdateSchema(StrictSchema):
    """What a user may change about their own account."""

    first_name = ma.fields.String(validate=validate.Length(max=150))
    last_name = ma.fields.String(validate=validate.Length(max=150))
    username = ma.fields.String(validate=USERNAME)
    email = ma.fields.Email(
        validate=validate.Length(max=254),
        metadata={
            "description": "A new address is only requested: it needs `current_password`, and the change "
            "happens when the link mailed to the new address is used (`users/me/email/confirm/`)."
        },
    )
    current_password = ma.fields.String(
        load_only=True, validate=validate.Length(max=1024), metadata={"description": "Required to change `email`."}
    )


class UserReplaceSchema(UserUpdateSchema):
    """PUT: the username, and the names as given (left out: emptied); an email as in PATCH."""

    username = ma.fields.String(required=True, validate=USERNAME)
    first_name = ma.fields.String(load_default="", validate=validate.Length(max=150))
    last_name = ma.fields.String(load_default="", validate=validate.Length(max=150))


class StaffUserUpdateSchema(StrictSchema):
    """What staff may change about another account (only admins may change `role`)."""

    is_active = ma.fields.Boolean()
    role = ma.fields.Enum(Role, by_value=True)
    first_name = ma.fields.String(validate=validate.Length(max=150))
    last_name = ma.fields.String(validate=validate.Length(max=150))


class StaffUserReplaceSchema(StaffUserUpdateSchema):
    """PUT: every field staff may set, all given."""

    is_active = ma.fields.Boolean(required=True)
    role = ma.fields.Enum(Role, by_value=True, required=True)
    first_name = ma.fields.String(required=True, validate=validate.Length(max=150))
    last_name = ma.fields.String(required=True, validate=validate.Length(max=150))


class StaffUserCreateSchema(StrictSchema):
    """An account staff create. Leave out `password` and the account is mailed a link to choose
    one (staff then never know it); only administrators create staff and administrators."""

    username = ma.fields.String(required=True, validate=USERNAME)
    email = ma.fields.Email(required=True, validate=validate.Length(max=254))
    role = ma.fields.Enum(Role, by_value=True, load_default=Role.CUSTOMER)
    first_name = ma.fields.String(load_default="", validate=validate.Length(max=150))
    last_name = ma.fields.String(load_default="", validate=validate.Length(max=150))
    password = ma.fields.String(load_only=True, validate=validate.Length(max=MAX_LENGTH), metadata=PASSWORD_SPEC)


class UserListQuerySchema(ma.Schema):
    search = ma.fields.String(validate=validate.Length(max=100))
    is_active = ma.fields.Boolean()
    role = ma.fields.Enum(Role, by_value=True)


class RegisterSchema(StrictSchema):
    username = ma.fields.String(required=True, validate=USERNAME)
    email = ma.fields.Email(required=True, validate=validate.Length(max=254))
    password = ma.fields.String(
        required=True, load_only=True, validate=validate.Length(max=MAX_LENGTH), metadata=PASSWORD_SPEC
    )
    password_confirm = ma.fields.String(load_only=True)
    first_name = ma.fields.String(load_default="", validate=validate.Length(max=150))
    last_name = ma.fields.String(load_default="", validate=validate.Length(max=150))

    @ma.validates_schema
    def passwords_match(self, data: dict, **kwargs: object) -> None:
        if "password_confirm" in data and data["password_confirm"] != data.get("password"):
            raise ma.ValidationError("The two passwords do not match.", "password_confirm")


class LoginSchema(StrictSchema):
    email = ma.fields.String(validate=validate.Length(max=254))
    username = ma.fields.String(validate=validate.Length(max=150))
    password = ma.fields.String(required=True, load_only=True, validate=validate.Length(max=1024))

    @ma.validates_schema
    def identifier_given(self, data: dict, **kwargs: object) -> None:
        if not data.get("email") and not data.get("username"):
            raise ma.ValidationError("Give your email or your username.", "email")


class TokenPairSchema(ma.Schema):
    access = ma.fields.String(required=True)
    refresh = ma.fields.String(required=True)


class AuthResultSchema(TokenPairSchema):
    user = ma.fields.Nested(UserSchema, required=True)


class RefreshSchema(StrictSchema):
    refresh = ma.fields.String(required=True, validate=validate.Length(max=4096))


class LogoutSchema(StrictSchema):
    refresh = ma.fields.String(validate=validate.Length(max=4096))


class VerifySchema(StrictSchema):
    token = ma.fields.String(required=True, validate=validate.Length(max=4096))


class TokenInfoSchema(ma.Schema):
    valid = ma.fields.Boolean(required=True)
    token_type = ma.fields.String(required=True)
    user_id = ma.fields.UUID(required=True)
    expires_at = ma.fields.DateTime(required=True)


class ConfirmTokenSchema(StrictSchema):
    """The code of a mailed confirmation link."""

    token = ma.fields.String(required=True, validate=validate.Length(min=1, max=256))


class PasswordResetRequestSchema(StrictSchema):
    email = ma.fields.Email(required=True, validate=validate.Length(max=254))


class NewPasswordSchema(StrictSchema):
    new_password = ma.fields.String(
        required=True, load_only=True, validate=validate.Length(max=MAX_LENGTH), metadata=PASSWORD_SPEC
    )
    new_password_confirm = ma.fields.String(load_only=True)

    @ma.validates_schema
    def passwords_match(self, data: dict, **kwargs: object) -> None:
        if "new_password_confirm" in data and data["new_password_confirm"] != data.get("new_password"):
            raise ma.ValidationError("The two passwords do not match.", "new_password_confirm")


class PasswordResetConfirmSchema(NewPasswordSchema):
    token = ma.fields.String(validate=validate.Length(max=256))


class ChangePasswordSchema(NewPasswordSchema):
    current_password = ma.fields.String(required=True, load_only=True, validate=validate.Length(max=1024))


# --- Profile --------------------------------------------------------------------------------


class ProfileSchema(StrictSchema):
    """PATCH changes what is sent; PUT sets every field (the ones left out are emptied)."""

    id = ma.fields.UUID(dump_only=True)
    user_id = ma.fields.UUID(dump_only=True)
    phone = ma.fields.String(validate=PHONE)
    date_of_birth = ma.fields.Date(allow_none=True)
    bio = ma.fields.String(validate=validate.Length(max=500))
    avatar_url = ma.fields.Method("get_avatar_url", dump_only=True, allow_none=True)
    address_line1 = ma.fields.String(validate=validate.Length(max=255))
    address_line2 = ma.fields.String(validate=validate.Length(max=255))
    city = ma.fields.String(validate=validate.Length(max=100))
    state = ma.fields.String(validate=validate.Length(max=100))
    postal_code = ma.fields.String(validate=validate.Length(max=20))
    country = ma.fields.String(validate=COUNTRY_OR_EMPTY)
    newsletter_subscribed = ma.fields.Boolean()
    marketing_emails = ma.fields.Boolean()
    is_complete = ma.fields.Boolean(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)

    def get_avatar_url(self, profile: object) -> str | None:
        return media_url(getattr(profile, "avatar", ""))

    @ma.validates("date_of_birth")
    def not_in_future(self, value: object, **kwargs: object) -> None:
        if value is not None and value > datetime.now(UTC).date():
            raise ma.ValidationError("The date of birth cannot be in the future.")


class ProfileQuerySchema(ma.Schema):
    search = ma.fields.String(
        validate=validate.Length(max=100), metadata={"description": "In the email, username or city."}
    )
    newsletter_subscribed = ma.fields.Boolean()
    marketing_emails = ma.fields.Boolean()
    has_avatar = ma.fields.Boolean()


class AvatarUploadSchema(ma.Schema):
    avatar = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


# --- Addresses ------------------------------------------------------------------------------


class PostalAddressSchema(StrictSchema):
    """A postal address; saved addresses and order addresses share it."""

    first_name = ma.fields.String(required=True, validate=validate.Length(min=1, max=150))
    last_name = ma.fields.String(required=True, validate=validate.Length(min=1, max=150))
    company = ma.fields.String(validate=validate.Length(max=150))
    line1 = ma.fields.String(required=True, validate=validate.Length(min=1, max=255))
    line2 = ma.fields.String(validate=validate.Length(max=255))
    city = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    state = ma.fields.String(validate=validate.Length(max=100))
    postal_code = ma.fields.String(required=True, validate=validate.Length(min=1, max=20))
    country = ma.fields.String(required=True, validate=COUNTRY)
    phone = ma.fields.String(validate=PHONE)

    @ma.pre_load
    def upper_country(self, data: dict, **kwargs: object) -> dict:
        if isinstance(data, dict) and isinstance(data.get("country"), str):
            data = {**data, "country": data["country"].strip().upper()}
        return data


class AddressSchema(PostalAddressSchema):
    id = ma.fields.UUID(dump_only=True)
    label = ma.fields.String(validate=validate.Length(max=50))
    is_default_shipping = ma.fields.Boolean()
    is_default_billing = ma.fields.Boolean()
    created_at = ma.fields.DateTime(dump_only=True)
