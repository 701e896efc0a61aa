"""Application configuration: every value comes from the environment, with safe defaults.

Each class reads the environment when it is instantiated (not at import), so tests and
several apps in one process can each get their own configuration.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

# Development placeholders; ProductionConfig refuses to start with any of them.
DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me-in-production"  # noqa: S105
DEFAULT_JWT_SECRET_KEY = "dev-only-jwt-secret-key-change-me-in-production"  # noqa: S105
DEFAULT_WEBHOOK_SECRET = "dev-only-payment-webhook-secret-change-me"  # noqa: S105


def env_str(name: str, default: str = "") -> str:
    """The variable's value; unset and empty (as in a copied .env.example) both mean default."""
    return os.environ.get(name, "").strip() or default


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"Environment variable {name} must be an integer, got {raw!r}") from exc


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise RuntimeError(f"Environment variable {name} must be a boolean, got {raw!r}")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def normalise_database_url(url: str) -> str:
    """Accept plain `postgres://` / `postgresql://` URLs and use the psycopg2 driver for them
    (SQLAlchemy 2.1 would otherwise pick psycopg 3, which is not part of the stack)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    DEBUG = False
    TESTING = False

    def __init__(self) -> None:
        self.SECRET_KEY = env_str("SECRET_KEY", DEFAULT_SECRET_KEY)
        self.JWT_SECRET_KEY = env_str("JWT_SECRET_KEY", DEFAULT_JWT_SECRET_KEY)
        self.JWT_ACCESS_TOKEN_LIFETIME = env_int("JWT_ACCESS_TOKEN_LIFETIME", 15)  # minutes
        self.JWT_REFRESH_TOKEN_LIFETIME = env_int("JWT_REFRESH_TOKEN_LIFETIME", 7)  # days
        # RS256 instead of HS256 when both PEM files are given.
        self.JWT_PRIVATE_KEY_FILE = env_str("JWT_PRIVATE_KEY_FILE")
        self.JWT_PUBLIC_KEY_FILE = env_str("JWT_PUBLIC_KEY_FILE")
        # Argon2id parameters (RFC 9106 low-memory profile; OWASP's minimum is t=2, m=19 MiB, p=1).
        self.ARGON2_TIME_COST = env_int("ARGON2_TIME_COST", 3)
        self.ARGON2_MEMORY_COST = env_int("ARGON2_MEMORY_COST", 65536)  # KiB
        self.ARGON2_PARALLELISM = env_int("ARGON2_PARALLELISM", 4)
        # Rate limits (flask-limiter syntax). Logins are counted per account (whether named by
        # email or username, API and back office together) and per client IP; sign-ups per IP
        # plus the submitted email; reset mails per email.
        self.RATELIMIT_LOGIN = env_str("RATELIMIT_LOGIN", "10/minute")
        self.RATELIMIT_LOGIN_PER_IP = env_str("RATELIMIT_LOGIN_PER_IP", "60/minute")
        self.RATELIMIT_REGISTER = env_str("RATELIMIT_REGISTER", "10/hour")
        self.RATELIMIT_PASSWORD_RESET = env_str("RATELIMIT_PASSWORD_RESET", "5/hour")
        self.RATELIMIT_ADMIN_LOGIN = env_str("RATELIMIT_ADMIN_LOGIN", "10/minute")  # per client IP
        self.RATELIMIT_PAGE_VIEWS = env_str("RATELIMIT_PAGE_VIEWS", "120/minute")  # reported views, per client IP
        self.PASSWORD_RESET_URL = env_str("PASSWORD_RESET_URL")
        # Sign-ups confirm their address from a mailed link before the account exists, so that
        # a sign-up never tells whether an address has an account (production's default).
        self.REGISTRATION_EMAIL_CONFIRMATION = env_bool("REGISTRATION_EMAIL_CONFIRMATION", False)
        # Storefront pages for the mailed links; the token is appended (as PASSWORD_RESET_URL).
        self.REGISTRATION_CONFIRM_URL = env_str("REGISTRATION_CONFIRM_URL")
        self.EMAIL_CHANGE_CONFIRM_URL = env_str("EMAIL_CHANGE_CONFIRM_URL")

        self.REVIEWS_REQUIRE_APPROVAL = env_bool("REVIEWS_REQUIRE_APPROVAL", True)
        # Browsers and CDNs may reuse anonymous catalogue responses this long (seconds).
        self.CATALOGUE_MAX_AGE = env_int("CATALOGUE_MAX_AGE", 60)
        self.CART_MAX_LINE_QUANTITY = env_int("CART_MAX_LINE_QUANTITY", 99)
        self.CART_MAX_LINES = env_int("CART_MAX_LINES", 50)
        # Unpaid card orders are cancelled and restocked after this long (`flask orders expire-unpaid`).
        self.ORDER_PAYMENT_TIMEOUT_MINUTES = env_int("ORDER_PAYMENT_TIMEOUT_MINUTES", 60)
        self.PAYMENT_WEBHOOK_SECRET = env_str("PAYMENT_WEBHOOK_SECRET", DEFAULT_WEBHOOK_SECRET)

        self.SQLALCHEMY_DATABASE_URI = env_str("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'kastoma.db'}")
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.SQLALCHEMY_TRACK_MODIFICATIONS = False
        # Connection pool per worker process (PostgreSQL only).
        self.DB_POOL_SIZE = env_int("DB_POOL_SIZE", 5)
        self.DB_MAX_OVERFLOW = env_int("DB_MAX_OVERFLOW", 10)
        # Public catalogue reads on autocommit connections of their own (PostgreSQL only): no
        # BEGIN and ROLLBACK round trips around a listing's one query (kastoma/reads.py).
        self.DB_AUTOCOMMIT_READS = env_bool("DB_AUTOCOMMIT_READS", True)

        self.REDIS_URL = env_str("REDIS_URL")
        self.CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "kastoma:")
        self.CACHE_DEFAULT_TIMEOUT = env_int("CACHE_DEFAULT_TIMEOUT", 300)
        # After a failed Redis call, each process skips the cache this long before trying again.
        self.REDIS_BREAKER_SECONDS = env_int("REDIS_BREAKER_SECONDS", 5)

        self.CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
        self.RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)

        self.MAIL_BACKEND = env_str("MAIL_BACKEND", "console")
        self.MAIL_SERVER = env_str("MAIL_SERVER", "localhost")
        self.MAIL_PORT = env_int("MAIL_PORT", 25)
        self.MAIL_USERNAME = env_str("MAIL_USERNAME")
        self.MAIL_PASSWORD = env_str("MAIL_PASSWORD")
        self.MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)
        self.MAIL_USE_SSL = env_bool("MAIL_USE_SSL", False)
        self.MAIL_TIMEOUT = env_int("MAIL_TIMEOUT", 10)
        self.MAIL_DEFAULT_SENDER = env_str("MAIL_DEFAULT_SENDER", "Kastoma <no-reply@kastoma.local>")
        # Where background jobs (mails, follow-ups) run: `thread` (a worker thread per process,
        # after the response) or `eager` (right after the commit, in the caller).
        self.JOBS_BACKEND = env_str("JOBS_BACKEND", "thread")

        self.MEDIA_ROOT = env_str("MEDIA_ROOT", str(INSTANCE_DIR / "media"))
        self.MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 10 * 1024 * 1024)
        self.LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
        self.SENTRY_DSN = env_str("SENTRY_DSN")

        # "https" turns on HSTS and Secure cookies; set it when TLS terminates in front of us.
        self.PREFERRED_URL_SCHEME = env_str("PREFERRED_URL_SCHEME", "http")
        # Number of reverse proxies whose X-Forwarded-* headers we trust (0 = none).
        self.TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

        # Prometheus metrics at /metrics: scraped from loopback, or anywhere with this bearer token.
        self.METRICS_ENABLED = env_bool("METRICS_ENABLED", True)
        self.METRICS_TOKEN = env_str("METRICS_TOKEN")

        # Back-office session cookie (the API itself is cookie-less).
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.PREFERRED_URL_SCHEME == "https"
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=8)

        self.API_TITLE = "Kastoma API"
        self.API_VERSION = "1.0.0"
        self.OPENAPI_VERSION = "3.0.3"
        self.API_SPEC_OPTIONS = {
            "info": {
                "description": (
                    "Every response is an envelope: `{success, data, message, errors}` (lists add "
                    "`pagination`; errors add `code`). Money is a string with two decimals. Text never "
                    "holds NUL (U+0000): a body, query string or form containing one is a 400."
                )
            }
        }


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = True

    def __init__(self) -> None:
        super().__init__()
        self.MAIL_BACKEND = env_str("MAIL_BACKEND", "console")


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True

    def __init__(self) -> None:
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = env_str("TEST_DATABASE_URL", "sqlite:///:memory:")
        self.MAIL_BACKEND = "memory"
        self.JOBS_BACKEND = env_str("JOBS_BACKEND", "eager")
        self.RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", False)
        # OWASP's minimum Argon2id cost keeps the suite fast while exercising the real hasher.
        self.ARGON2_TIME_COST = 2
        self.ARGON2_MEMORY_COST = 19456
        self.ARGON2_PARALLELISM = 1
        self.CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "kastoma-test:")
        # A test's rows live in its rolled-back transaction, seen only on the session's connection.
        self.DB_AUTOCOMMIT_READS = False


class ProductionConfig(Config):
    ENV_NAME = "production"

    def __init__(self) -> None:
        super().__init__()
        self.MAIL_BACKEND = env_str("MAIL_BACKEND", "smtp")
        self.REGISTRATION_EMAIL_CONFIRMATION = env_bool("REGISTRATION_EMAIL_CONFIRMATION", True)

    def validate(self) -> None:
        """Refuse to run production with the development secrets."""
        weak = [
            name
            for name, default in (
                ("SECRET_KEY", DEFAULT_SECRET_KEY),
                ("JWT_SECRET_KEY", DEFAULT_JWT_SECRET_KEY),
                ("PAYMENT_WEBHOOK_SECRET", DEFAULT_WEBHOOK_SECRET),
            )
            if getattr(self, name) in ("", default) or len(getattr(self, name)) < 32
        ]
        if weak:
            raise RuntimeError(
                "Production needs strong secrets: set "
                + " and ".join(weak)
                + " to random values of at least 32 characters."
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> Config:
    """Build the configuration named by `name` or by KASTOMA_ENV (default: development)."""
    name = (name or env_str("KASTOMA_ENV", "development")).lower()
    try:
        config = CONFIGS[name]()
    except KeyError as exc:
        raise RuntimeError(f"Unknown KASTOMA_ENV {name!r}; expected one of {', '.join(CONFIGS)}") from exc
    if isinstance(config, ProductionConfig):
        config.validate()
    return config
