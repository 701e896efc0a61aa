"""Catalogue caching: a namespace version bumped after every committed catalogue write, response
bodies and computed values keyed on it, and the HTTP caching headers of catalogue GETs.

Every key carries the current version, so one atomic INCR (shared through Redis by every
process) invalidates every cached catalogue read at once; old entries simply expire.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from functools import wraps
from itertools import chain
from typing import Any, TypeVar

from flask import Response, current_app, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from kastoma.auth import require_user
from kastoma.caching import cache_get, cache_get_many, cache_incr, cache_set
from kastoma.products.models import CATALOGUE_MODELS
from kastoma.users.models import Role

T = TypeVar("T")
log = logging.getLogger("kastoma.cache")

VERSION_KEY = "catalogue:version"
CHANGED = "catalogue_changed"
# A fresh version starts from the clock, so it can never repeat a version whose entries survive.
FRESH_VERSION_FLOOR = 10**15
DEFAULT_MAX_AGE = 60


# --- The namespace version ----------------------------------------------------------------------


def request_memo() -> dict[str, Any]:
    """Values computed once per request (a fresh dict outside requests).

    Not `flask.g`: requests made inside one app context (tests, CLI) share the same `g`.
    """
    if not has_request_context():
        return {}
    return request.environ.setdefault("kastoma.catalogue", {})


def catalogue_version() -> int:
    """The current version (read once per request)."""
    memo = request_memo()
    if "version" not in memo:
        _retry_lost_bump()
        version = cache_get(VERSION_KEY)
        if version is None:
            version = time.time_ns()
            cache_set(VERSION_KEY, version, timeout=0)
        memo["version"] = int(version)
    return memo["version"]


# A bump that failed (Redis down during a catalogue write): retried by this process before its
# next cache read, so entries built before the write do not come back when Redis does. Other
# processes may serve them until this one reads again or they expire (CACHE_DEFAULT_TIMEOUT).
_lost_bump = False


def _retry_lost_bump() -> None:
    if _lost_bump:
        bump_catalogue_version()


def bump_catalogue_version() -> None:
    """Invalidate every cached catalogue read."""
    global _lost_bump
    version = cache_incr(VERSION_KEY)
    _lost_bump = version is None
    if version is not None and version < FRESH_VERSION_FLOOR:
        # The key had been evicted and INCR restarted it from 1: jump past any older version.
        cache_set(VERSION_KEY, time.time_ns(), timeout=0)
    request_memo().pop("version", None)


def mark_catalogue_changed(session: Any) -> None:
    """For writes the ORM cannot see (Core UPDATE/INSERT): bump the version after commit."""
    session.info[CHANGED] = True


@event.listens_for(Session, "after_flush")
def _notice_catalogue_writes(session: Session, _context: Any) -> None:
    if session.info.get(CHANGED):
        return
    if any(isinstance(obj, CATALOGUE_MODELS) for obj in chain(session.new, session.dirty, session.deleted)):
        session.info[CHANGED] = True


@event.listens_for(Session, "after_commit")
def _invalidate_after_commit(session: Session) -> None:
    # After, not before, the commit: a reader can then never cache pre-commit data under the
    # new version.
    if session.info.pop(CHANGED, False) and has_app_context():
        bump_catalogue_version()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_writes(session: Session) -> None:
    session.info.pop(CHANGED, None)


# --- Cached values ------------------------------------------------------------------------------


def digest(parts: Any) -> str:
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode(), usedforsecurity=False).hexdigest()


def versioned_key(kind: str, parts: Any = None) -> str:
    return f"catalogue:{catalogue_version()}:{kind}:{digest(parts)}"


# A value stored under a version never changes (a write moves to a new version), so each process
# also keeps the values it used last: no Redis round trip for them, and exactly as fresh.
LOCAL_ENTRIES = 512
_local: dict[str, Any] = {}


def cached(kind: str, parts: Any, compute: Callable[[], T]) -> T:
    """`compute()`, cached under the current version (a cache outage just computes it).
    The value is shared: callers must not change it."""
    key = versioned_key(kind, parts)
    if key in _local:
        return _local[key]
    value = cache_get(key)
    if value is None:
        value = compute()
        cache_set(key, value)
    if len(_local) >= LOCAL_ENTRIES:
        _local.clear()  # mostly entries of older versions
    _local[key] = value
    return value


# --- Cached responses and HTTP headers ----------------------------------------------------------


def _response_key() -> str:
    # The whole URL as sent: bodies embed absolute pagination links built from the host and
    # every arg (in their order).
    url = f"{request.scheme}://{request.host}{request.root_path}{request.path}?{request.query_string.decode('latin-1')}"
    return f"catalogue:response:{digest(url)}"


def _cached_response(key: str) -> tuple[int, bytes, str] | None:
    """The stored (version, body, ETag) of this URL if it was built under the current version.
    The version (read first thing in the request) and the entry come back in one round trip."""
    _retry_lost_bump()
    version, entry = cache_get_many(VERSION_KEY, key)
    if version is not None:
        request_memo()["version"] = int(version)
    if entry is not None and entry[0] == catalogue_version():
        return entry
    return None


def answer_from_cache() -> Response | None:
    """before_request of the catalogue blueprints: a GET whose URL has a public body stored under
    the current version is answered with it, before routing arguments are parsed (they were valid
    when it was stored: only public 200s are). Tokens play no part in a public read."""
    if request.method not in ("GET", "HEAD"):
        return None
    memo = request_memo()
    memo["response_key"] = key = _response_key()
    entry = _cached_response(key)
    if entry is None:
        return None
    memo["public"] = memo["from_cache"] = True
    response = current_app.response_class(entry[1], status=200, mimetype="application/json")
    response.set_etag(entry[2])
    return response


def catalogue_read(view: Callable) -> Callable:
    """Mark a catalogue GET public: its body is the same for everyone and is cached (a stored one
    is answered by `answer_from_cache`). `include_inactive=true` requires staff and is not cached.
    The decorated view takes the parsed query dict as its first argument."""

    @wraps(view)
    def wrapper(self: Any, query: dict, *args: Any, **kwargs: Any) -> Any:
        if query.get("include_inactive"):
            require_user(Role.STAFF)(lambda: None)()
        else:
            request_memo()["public"] = True
        return view(self, query, *args, **kwargs)

    return wrapper


def finish_catalogue_response(response: Response) -> Response:
    """after_request of the catalogue blueprints: store public bodies (with their ETag, under the
    version they were built from), set Cache-Control and ETag, and answer a matching
    If-None-Match with 304."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.is_streamed:
        return response
    response.add_etag()  # kept when the body came from the cache with its ETag
    memo = request_memo()
    if memo.get("public"):
        if not memo.get("from_cache"):
            cache_set(memo["response_key"], (catalogue_version(), response.get_data(), response.get_etag()[0]))
        max_age = current_app.config.get("CATALOGUE_MAX_AGE", DEFAULT_MAX_AGE)
        # Same body for everyone, but a shared cache must not keep what an authenticated
        # request received.
        scope = "private" if "Authorization" in request.headers else "public"
        response.headers["Cache-Control"] = f"{scope}, max-age={max_age}"
    else:
        response.headers["Cache-Control"] = "private, no-store"
    response.vary.update(("Authorization", "Origin"))  # the CORS headers differ per Origin
    if "HTTP_IF_NONE_MATCH" in request.environ or "HTTP_IF_MODIFIED_SINCE" in request.environ:
        return response.make_conditional(request)
    return response


def install_http_caching(blueprint: Any) -> None:
    blueprint.before_request(answer_from_cache)
    blueprint.after_request(finish_catalogue_response)
