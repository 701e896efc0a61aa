"""Versioned cache namespaces: values cached under a version that a committed write bumps.

Every key of a namespace carries its current version, so one atomic INCR (shared through Redis
by every process) invalidates all of the namespace's values at once; old entries simply expire.
A namespace names the models whose writes change it: the ORM's own writes bump it after the
commit, and Core statements the ORM cannot see call `mark_changed`. Kastoma has two: the
catalogue (kastoma/products/cache.py), which every sale changes, and the site configuration
(settings and email templates, kastoma/core/settings.py), which almost never changes.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from itertools import chain
from typing import Any, TypeVar

from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from kastoma.caching import cache_get, cache_incr, cache_set
from kastoma.extensions import db

T = TypeVar("T")

# A fresh version starts from the clock, so it can never repeat a version whose entries survive.
FRESH_VERSION_FLOOR = 10**15
# A value stored under a version never changes (a write moves to a new version), so each process
# also keeps the values it used last: no Redis round trip for them, and exactly as fresh. For as
# long as the shared entry could live (CACHE_DEFAULT_TIMEOUT) at most, which bounds what a lost
# bump (Redis down during a write) can leave behind in other processes.
LOCAL_ENTRIES = 512


def request_memo() -> dict[str, Any]:
    """Values computed once per request (a fresh dict outside requests).

    Not `flask.g`: requests made inside one app context (tests, CLI) share the same `g`.
    """
    if not has_request_context():
        return {}
    return request.environ.setdefault("kastoma.memo", {})


def digest(parts: Any) -> str:
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode(), usedforsecurity=False).hexdigest()


class Namespace:
    """Values cached under `name`'s version, which committed writes of `models` bump."""

    def __init__(self, name: str, models: tuple[type, ...]) -> None:
        self.name = name
        self.models = models
        self.version_key = f"{name}:version"  # in Redis, and in the request memo once read
        self.changed_flag = f"{name}_changed"  # the session.info flag of a pending bump
        # A bump that failed (Redis down during a write): retried by this process before its
        # next cache read, so entries built before the write do not come back when Redis does.
        # Other processes may serve them until this one reads again or they expire (at most
        # CACHE_DEFAULT_TIMEOUT, in Redis and in their own copies alike).
        self._lost_bump = False
        self._local: dict[str, Any] = {}
        NAMESPACES.append(self)

    def version(self) -> int:
        """The current version (read once per request)."""
        memo = request_memo()
        if self.version_key not in memo:
            self.retry_lost_bump()
            version = cache_get(self.version_key)
            if version is None:
                version = time.time_ns()
                cache_set(self.version_key, version, timeout=0)
            memo[self.version_key] = int(version)
        return memo[self.version_key]

    def remember(self, version: Any) -> None:
        """The version read along with something else (one round trip for both)."""
        if version is not None:
            request_memo()[self.version_key] = int(version)

    def retry_lost_bump(self) -> None:
        if self._lost_bump:
            self.bump()

    def bump(self) -> None:
        """Invalidate every value of the namespace."""
        version = cache_incr(self.version_key)
        self._lost_bump = version is None
        if version is not None and version < FRESH_VERSION_FLOOR:
            # The key had been evicted and INCR restarted it from 1: jump past any older version.
            cache_set(self.version_key, time.time_ns(), timeout=0)
        request_memo().pop(self.version_key, None)

    def mark_changed(self, session: Any) -> None:
        """For writes the ORM cannot see (Core UPDATE/INSERT): bump the version after commit."""
        session.info[self.changed_flag] = True

    def key(self, kind: str, parts: Any = None) -> str:
        return f"{self.name}:{self.version()}:{kind}:{digest(parts)}"

    def cached(self, kind: str, parts: Any, compute: Callable[[], T]) -> T:
        """`compute()`, cached under the current version (a cache outage just computes it).
        The value is shared: callers must not change it. While the session holds uncommitted
        writes of the namespace's models, the value is computed from them and not cached: the
        request reads its own writes, and a rollback leaves nothing behind."""
        if self._writing():
            return compute()
        key = self.key(kind, parts)
        now = time.monotonic()
        expires, value = self._local.get(key, (0.0, None))  # one lookup: threads may clear()
        if expires > now:
            return value
        value = cache_get(key)
        if value is None:
            value = compute()
            cache_set(key, value)
        if len(self._local) >= LOCAL_ENTRIES:
            self._local.clear()  # mostly entries of older versions
        self._local[key] = (now + current_app.config["CACHE_DEFAULT_TIMEOUT"], value)
        return value

    def _writing(self) -> bool:
        if not db.session.registry.has():
            return False  # no session in this request yet (a listing reads without one): no writes
        session = db.session
        if session.info.get(self.changed_flag):
            return True
        return any(isinstance(obj, self.models) for obj in chain(session.new, session.dirty, session.deleted))


NAMESPACES: list[Namespace] = []


@event.listens_for(Session, "after_flush")
def _notice_writes(session: Session, _context: Any) -> None:
    for namespace in NAMESPACES:
        if session.info.get(namespace.changed_flag):
            continue
        if any(isinstance(obj, namespace.models) for obj in chain(session.new, session.dirty, session.deleted)):
            session.info[namespace.changed_flag] = True


@event.listens_for(Session, "after_commit")
def _invalidate_after_commit(session: Session) -> None:
    # After, not before, the commit: a reader can then never cache pre-commit data under the
    # new version.
    for namespace in NAMESPACES:
        if session.info.pop(namespace.changed_flag, False) and has_app_context():
            namespace.bump()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_writes(session: Session) -> None:
    for namespace in NAMESPACES:
        session.info.pop(namespace.changed_flag, None)
