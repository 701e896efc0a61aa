"""Profiles: the details an account keeps beside its login (phone, birthday, bio, avatar, an
address, newsletter choices). The owner edits their own; staff list and edit any.

Functions take model objects and plain data, raise DomainErrors and never commit.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, or_, select

from kastoma.errors import Conflict, NotFound
from kastoma.extensions import db
from kastoma.media import delete_media
from kastoma.transactions import on_commit
from kastoma.users.models import User, UserProfile

# Every field the owner edits, with the value PUT gives it when left out (and DELETE restores).
EDITABLE: dict[str, Any] = {
    "phone": "",
    "date_of_birth": None,
    "bio": "",
    "address_line1": "",
    "address_line2": "",
    "city": "",
    "state": "",
    "postal_code": "",
    "country": "",
    "newsletter_subscribed": False,
    "marketing_emails": False,
}


def update_profile(profile: UserProfile, data: dict[str, Any]) -> UserProfile:
    """PATCH: change what is given."""
    for field, value in data.items():
        setattr(profile, field, value)
    return profile


def replace_profile(profile: UserProfile, data: dict[str, Any]) -> UserProfile:
    """PUT: every editable field, the ones left out back to empty."""
    return update_profile(profile, {**EDITABLE, **data})


def clear_profile(profile: UserProfile) -> UserProfile:
    """DELETE: the optional details and the avatar go; the account and its profile stay."""
    previous, profile.avatar = profile.avatar, ""
    replace_profile(profile, {})
    if previous:
        on_commit(lambda: delete_media(previous))  # a rollback keeps the file the profile names
    return profile


def create_own_profile(user: User) -> UserProfile:
    """POST profiles/: an account whose profile is missing gets one; otherwise a 409."""
    if db.session.scalar(select(UserProfile.id).where(UserProfile.user_id == user.id)) is not None:
        raise Conflict("This account has a profile already; edit it with PATCH profiles/me/.", code="profile_exists")
    profile = UserProfile(user_id=user.id)
    db.session.add(profile)
    db.session.flush()
    return profile


def get_profile(viewer: User, profile_id: uuid.UUID) -> UserProfile:
    """The viewer's own profile, or any for staff; anyone else's is the same 404 as a missing one."""
    profile = db.session.get(UserProfile, profile_id)
    if profile is None or not (viewer.is_staff or profile.user_id == viewer.id):
        raise NotFound("Profile not found.")
    return profile


def list_profiles(query: dict[str, Any]) -> Select:
    stmt = select(UserProfile).join(User, User.id == UserProfile.user_id).order_by(User.created_at.desc(), User.id)
    if query.get("search"):
        pattern = f"%{query['search'].lower()}%"
        stmt = stmt.where(or_(User.email.like(pattern), User.username.ilike(pattern), UserProfile.city.ilike(pattern)))
    for flag in ("newsletter_subscribed", "marketing_emails"):
        if flag in query:
            stmt = stmt.where(getattr(UserProfile, flag).is_(query[flag]))
    if "has_avatar" in query:
        stmt = stmt.where((UserProfile.avatar != "") if query["has_avatar"] else (UserProfile.avatar == ""))
    return stmt
