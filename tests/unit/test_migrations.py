"""Migrations: `flask db upgrade` from empty produces exactly the models' schema."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import Column, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SAWarning

from kastoma.extensions import db
from tests.conftest import make_test_app


def schema_diff(connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
    with warnings.catch_warnings():
        if connection.dialect.name == "sqlite":
            # SQLite's reflection cannot read expression indexes: expression_indexes() checks them.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index", SAWarning)
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
        return compare_metadata(context, db.metadata)


def expression_indexes(connection) -> set[str]:
    """Names of the expression indexes of the models, and of the database (SQLite's catalogue)."""
    if connection.dialect.name != "sqlite":
        return set()
    stored = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '%lower(%'"))
    return {row[0] for row in stored}


def test_expression_indexes_exist_on_sqlite_too(app):
    expected = {
        index.name
        for table in db.metadata.tables.values()
        for index in table.indexes
        if not all(isinstance(expression, Column) for expression in index.expressions)
    }
    assert "uq_users_username_lower" in expected
    if db.engine.dialect.name == "sqlite":
        assert expression_indexes(db.session.connection()) == expected


def test_migrated_test_database_matches_models(app):
    # The session's database was built from empty by `upgrade()` in conftest.
    assert schema_diff(db.session.connection()) == []


def test_search_index_has_no_pending_list(postgres_only):
    """Index storage options are outside autogenerate's comparison: checked here (migration 0005)."""
    options = db.session.scalar(text("SELECT reloptions FROM pg_class WHERE relname = 'ix_products_search_vector'"))
    assert options == ["fastupdate=off"]


@pytest.fixture
def scratch_url(app, tmp_path):
    """An empty database of the same kind as the test database."""
    main = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if main.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    name = f"{main.database}_scratch"
    admin = create_engine(main, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield main.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_from_empty_then_downgrade_and_upgrade_again(scratch_url, tmp_path_factory):
    scratch = make_test_app(tmp_path_factory, SQLALCHEMY_DATABASE_URI=scratch_url)
    engine = create_engine(make_url(scratch_url))
    try:
        with scratch.app_context():
            upgrade()
            with engine.connect() as conn:
                assert schema_diff(conn) == []
            downgrade(revision="base")
            with engine.connect() as conn:
                assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
            upgrade()
            with engine.connect() as conn:
                assert schema_diff(conn) == []
            db.engine.dispose()
    finally:
        engine.dispose()


def test_instances_starting_together_migrate_once(postgres_only, scratch_url):
    """`docker compose up --scale web=3`: every instance runs `flask db upgrade` at the same time."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DATABASE_URL": scratch_url, "KASTOMA_ENV": "development", "REDIS_URL": ""}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"]
    runs = [subprocess.Popen(command, cwd=root, env=env, stderr=subprocess.PIPE, text=True) for _ in range(3)]  # noqa: S603
    errors = [run.communicate(timeout=120)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], errors
    engine = create_engine(make_url(scratch_url))
    try:
        with engine.connect() as conn:
            assert schema_diff(conn) == []
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        engine.dispose()
