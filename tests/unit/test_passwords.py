"""Password hashing parameters and the password policy."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from kastoma.users.passwords import hash_password, needs_rehash, password_problems, verify_password


def test_hashes_are_argon2id_with_at_least_owasp_parameters(app):
    with app.app_context():
        hashed = hash_password("Some-Password-1")
    assert hashed.startswith("$argon2id$v=19$")
    params = dict(p.split("=") for p in hashed.split("$")[3].split(","))
    assert int(params["m"]) >= 19456 and int(params["t"]) >= 2 and int(params["p"]) >= 1


def test_production_defaults_exceed_owasp_minimum(app):
    from config import Config

    c = Config()
    assert (c.ARGON2_TIME_COST, c.ARGON2_MEMORY_COST, c.ARGON2_PARALLELISM) >= (2, 19456, 1)
    assert c.ARGON2_MEMORY_COST >= 19456


def test_verify_and_rehash(app):
    with app.app_context():
        hashed = hash_password("Some-Password-1")
        assert verify_password(hashed, "Some-Password-1")
        assert not verify_password(hashed, "some-password-1")
        assert not verify_password(None, "Some-Password-1")
        assert not verify_password("not-a-hash", "x")
        assert not needs_rehash(hashed)
        weaker = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("Some-Password-1")
        assert needs_rehash(weaker) and verify_password(weaker, "Some-Password-1")


@pytest.mark.parametrize(
    "password, fragment",
    [
        ("Short1!", "too short"),
        ("9" * 12, "entirely numeric"),
        ("qwertyuiop", "too common"),
        ("Password1", "too common"),
        ("x" * 129, "too long"),
    ],
)
def test_policy_rejects(password, fragment):
    problems = password_problems(password)
    assert any(fragment in p for p in problems), problems


@pytest.mark.parametrize(
    "password, attrs",
    [
        ("margaret.hamilton", {"email": "margaret.hamilton@nasa.gov"}),
        ("hamilton1969", {"username": "hamilton"}),
    ],
)
def test_policy_rejects_passwords_like_the_account(password, attrs):
    assert any("too similar" in p for p in password_problems(password, **attrs))


@pytest.mark.parametrize("password", ["correct horse battery staple", "Tr0ub4dor&3-zebra", "Analytical-Engine-1843"])
def test_policy_accepts_good_passwords(password):
    assert password_problems(password, username="ada", email="ada@example.com") == []
