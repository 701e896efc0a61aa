"""Password hashing (Argon2id) and the password policy.

The common-password list (`common-passwords.txt.gz`, 20k entries) is the one Django ships
(BSD licence), itself derived from Royce Williams' list of leaked passwords.
"""

from __future__ import annotations

import gzip
import re
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 8
MAX_LENGTH = 128  # Argon2 accepts more, but a 1 MB "password" is a denial-of-service vector.
MAX_SIMILARITY = 0.7
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")

# A hash of a random password, verified against when the account does not exist so an
# unknown user and a wrong password take the same time.
_DUMMY_PASSWORD = "kastoma-dummy-password-for-timing"  # noqa: S105


@cache
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hasher() -> PasswordHasher:
    c = current_app.config
    return _hasher(c["ARGON2_TIME_COST"], c["ARGON2_MEMORY_COST"], c["ARGON2_PARALLELISM"])


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check `password`; with no hash (unknown account) burn the same time and say no."""
    try:
        return hasher().verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


def _dummy_hash() -> str:
    key = "kastoma_dummy_password_hash"
    if key not in current_app.extensions:
        current_app.extensions[key] = hash_password(_DUMMY_PASSWORD)
    return current_app.extensions[key]


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as f:
        return frozenset(line.strip().lower() for line in f if line.strip())


def password_problems(
    password: str, *, username: str = "", email: str = "", first_name: str = "", last_name: str = ""
) -> list[str]:
    """Every reason `password` is refused (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"This password is too short. It must contain at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"This password is too long. It must contain at most {MAX_LENGTH} characters.")
    if password.isdigit():
        problems.append("This password is entirely numeric.")
    if password.lower().strip() in common_passwords():
        problems.append("This password is too common.")
    for label, value in (
        ("username", username),
        ("email address", email),
        ("first name", first_name),
        ("last name", last_name),
    ):
        if value and _too_similar(password, value):
            problems.append(f"This password is too similar to the {label}.")
            break
    return problems


def _too_similar(password: str, attribute: str) -> bool:
    password = password.lower()
    parts = [attribute.lower(), *re.split(r"\W+", attribute.lower())]
    return any(part and SequenceMatcher(a=password, b=part).quick_ratio() >= MAX_SIMILARITY for part in parts)
