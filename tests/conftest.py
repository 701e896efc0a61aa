"""Test fixtures: one app per session, one rolled-back transaction per test.

The database is SQLite in a temporary file unless TEST_DATABASE_URL names another one
(CI uses PostgreSQL); the cache is Redis when REDIS_URL is set.
"""

from __future__ import annotations

import os
import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.orm import close_all_sessions, scoped_session, sessionmaker

from kastoma import create_app
from kastoma.extensions import cache, db

pytest_plugins = ["tests.fixtures.products", "tests.fixtures.orders", "tests.fixtures.queries"]

IN_CI = os.environ.get("CI", "").lower() == "true"


def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'kastoma-test.db'}"


def reset_database() -> None:
    """Empty the test database, then build it with the migrations (never create_all)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()


def make_test_app(tmp_path_factory: pytest.TempPathFactory, **overrides):
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory),
        "MEDIA_ROOT": str(tmp_path_factory.mktemp("media")),
        "CACHE_KEY_PREFIX": f"kastoma-test-{uuid.uuid4().hex[:8]}:",
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
    }
    config.update(overrides)
    return create_app("testing", config)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = make_test_app(tmp_path_factory)
    if IN_CI and app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.exit("CI must run the suite on PostgreSQL: TEST_DATABASE_URL is not set.", returncode=3)
    with app.app_context():
        reset_database()
        cache.clear()
    return app


@pytest.fixture(autouse=True)
def db_session(app, request):
    """Run each test inside a transaction that is rolled back afterwards.

    Sessions join the outer transaction with savepoints, so code under test may commit.
    Tests marked `committing` (real parallel requests) commit for real and get the tables
    emptied afterwards instead.
    """
    if request.node.get_closest_marker("committing"):
        yield db.session
        # Sessions of other app contexts (the test's own included) may hold open transactions
        # whose locks would make TRUNCATE wait forever.
        close_all_sessions()
        with app.app_context():
            truncate_all_tables()
            clear_caches()
        return
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        original = db.session
        db.session = scoped_session(factory, scopefunc=original.registry.scopefunc)
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()
            clear_caches()


def clear_caches() -> None:
    """The shared cache, this process's memory of which URLs were asked for (a body is stored on
    its URL's second request, kastoma/products/cache.py), and a breaker a test's broken cache
    tripped (kastoma/breaker.py)."""
    from flask import current_app

    from kastoma.products.cache import _recent_misses

    current_app.extensions["kastoma_redis_breaker"].reset()
    cache.clear()
    _recent_misses.clear()


def truncate_all_tables() -> None:
    """Empty every table but the migration bookkeeping (after a committing test)."""
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def outbox(app):
    """The in-memory mail backend's outbox, emptied for each test."""
    backend = app.extensions["kastoma_mail"]
    backend.outbox.clear()
    return backend.outbox


class DeferredJobs(list):
    """A job backend that records what it is given; `run()` runs it, as a worker would once the
    request has been answered."""

    def submit(self, name: str, kwargs: dict, request_id: str | None) -> None:
        self.append((name, kwargs))

    def run(self) -> None:
        from kastoma.jobs import run_job

        while self:
            name, kwargs = self.pop(0)
            run_job(name, kwargs)


@pytest.fixture
def deferred_jobs(app, monkeypatch):
    """Jobs recorded instead of run at once (the test runs them with `.run()`)."""
    jobs = DeferredJobs()
    monkeypatch.setitem(app.extensions, "kastoma_jobs", jobs)
    return jobs


@pytest.fixture
def postgres_only(app):
    """For tests that need PostgreSQL: skipped on SQLite locally, a failure in CI."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    if IN_CI:
        pytest.fail("This test needs PostgreSQL and CI must provide it (TEST_DATABASE_URL).")
    pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL to run it")


# --- Users and tokens -------------------------------------------------------------------------

DEFAULT_PASSWORD = "Correct-Horse-42"


@pytest.fixture
def make_user(app):
    """Factory: make_user(role=Role.STAFF, username=..., email=..., password=...) -> User."""
    from kastoma.roles import Role
    from kastoma.users.services import create_user

    counter = iter(range(1, 10_000))

    def make(
        role: Role | str = Role.CUSTOMER,
        *,
        username: str | None = None,
        email: str | None = None,
        password: str = DEFAULT_PASSWORD,
        **fields,
    ):
        n = next(counter)
        username = username or f"{Role(role).value}{n}-{uuid.uuid4().hex[:6]}"
        user = create_user(
            username, email or f"{username}@example.com", password, role=Role(role), check_policy=False, **fields
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def tokens_for(app):
    """tokens_for(user) -> {"access", "refresh"}, issued like a login would."""
    from kastoma.users.tokens import issue_token_pair

    def issue(user):
        tokens = issue_token_pair(user)
        db.session.commit()
        return tokens

    return issue


@pytest.fixture
def auth_headers(tokens_for):
    """auth_headers(user) -> {"Authorization": "Bearer <access token>"}."""
    return lambda user: {"Authorization": f"Bearer {tokens_for(user)['access']}"}


@pytest.fixture
def customer(make_user):
    return make_user("customer", first_name="Cara", last_name="Customer")


@pytest.fixture
def staff(make_user):
    return make_user("staff")


@pytest.fixture
def admin(make_user):
    return make_user("admin")
