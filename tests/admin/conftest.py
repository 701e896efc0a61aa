"""Back-office helpers: CSRF tokens from pages, signing in through the real login form."""

from __future__ import annotations

import re

import pytest

from tests.conftest import DEFAULT_PASSWORD

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = TOKEN.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def csrf_token(client, path: str = "/admin/login/") -> str:
    """A valid token for this client's session (read from a page, like a browser would)."""
    return csrf_from(client.get(path).get_data(as_text=True))


@pytest.fixture
def login():
    """login(client, user) signs in through /admin/login/ and returns the client."""

    def sign_in(client, user, password: str = DEFAULT_PASSWORD):
        response = client.post(
            "/admin/login/",
            data={"email": user.email, "password": password, "csrf_token": csrf_token(client)},
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return sign_in


@pytest.fixture
def staff_client(client, staff, login):
    return login(client, staff)


@pytest.fixture
def post_form(client):
    """post_form(path, data, token_from=page) posts with this session's CSRF token, following redirects."""

    def post(path: str, data: dict | None = None, token_from: str = "/admin/", follow: bool = True):
        payload = {"csrf_token": csrf_token(client, token_from), **(data or {})}
        return client.post(path, data=payload, follow_redirects=follow)

    return post
