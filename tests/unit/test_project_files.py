"""The files a newcomer and an operator rely on stay consistent with the code."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def config_variables() -> set[str]:
    source = (ROOT / "config.py").read_text() + (ROOT / "kastoma" / "gunicorn_conf.py").read_text()
    names = set(re.findall(r'env_(?:str|int|bool|list)\("([A-Z_]+)"', source))
    names |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', source))
    return names - {"BIND", "FORWARDED_ALLOW_IPS"} | {"WEB_CONCURRENCY"}


def test_every_variable_is_documented():
    names = config_variables()
    assert {"DATABASE_URL", "SECRET_KEY", "REDIS_URL", "MAIL_BACKEND", "KASTOMA_ENV"} <= names
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    missing_readme = {n for n in names if f"`{n}`" not in readme}
    assert not missing_readme, f"README configuration table lacks {sorted(missing_readme)}"
    example_names = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
    missing_example = (
        names
        - example_names
        - {
            "GUNICORN_WORKER_CLASS",
            "GUNICORN_GRACEFUL_TIMEOUT",
            "GUNICORN_KEEPALIVE",
            "GUNICORN_MAX_REQUESTS",
            "GUNICORN_MAX_REQUESTS_JITTER",
        }
    )
    assert not missing_example, f".env.example lacks {sorted(missing_example)}"


def test_readme_opens_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```bash", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in first_block.strip().splitlines()] == ["make run", "make test"]


def test_ci_calls_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_compose_runs_web_postgres_and_redis_with_health_checks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"proxy", "web", "db", "redis"}
    # `--scale web=3`: only the proxy binds a host port; it re-resolves the replicas.
    assert "ports" not in services["web"] and services["proxy"]["ports"] == ["8000:80"]
    assert "server web:8000 resolve" in compose["configs"]["nginx"]["content"]
    for service in services.values():
        assert "healthcheck" in service
    assert services["web"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["db"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")


def test_dockerfile_is_slim_and_non_root():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.12-slim", dockerfile, re.MULTILINE)
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.MULTILINE)
    assert "flask --app wsgi db upgrade" in dockerfile and "gunicorn" in dockerfile
