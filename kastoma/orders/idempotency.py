"""`Idempotency-Key` support for POST endpoints that must not run twice (checkout, payment).

The key is claimed in its own short transaction before the work starts, so a concurrent
request with the same key sees it at once (409), a retry with a different body is refused
(422) and a retry after success replays the stored response. Keys live 24 hours.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Response, current_app, request
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from kastoma.auth import current_user
from kastoma.envelope import success_body
from kastoma.errors import IdempotencyInFlight, IdempotencyMismatch, ValidationFailed
from kastoma.extensions import commit_keeping_loaded_state, db
from kastoma.models import utcnow
from kastoma.orders.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_LIFETIME = timedelta(hours=24)
# A claim this old without a response belongs to a request that died; a retry may take over.
STALE_AFTER = timedelta(minutes=5)
MAX_KEY_LENGTH = 255
CLAIM = "kastoma.idempotency_claim"  # request.environ key: the claim of the request being served
ANSWERED = "kastoma.idempotency_answered"  # request.environ key: the view stored the answer itself
IDEMPOTENCY_HEADER_DOC = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": "Makes the request safe to retry: same key and body replay the first response.",
    "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
}


def _fingerprint() -> str:
    return hashlib.sha256(
        request.method.encode() + b" " + request.path.rstrip("/").encode() + b"\n" + request.get_data(cache=True)
    ).hexdigest()


def _claim(user_id: Any, scope: str, key: str, fingerprint: str) -> uuid.UUID | Response:
    """Insert the in-flight claim (its id), or answer from an existing one (replay, 409 or 422)."""
    now = utcnow()
    for _ in range(2):
        claim_id = uuid.uuid4()
        claim = insert(IdempotencyKey).values(
            id=claim_id,
            user_id=user_id,
            scope=scope,
            key=key,
            request_hash=fingerprint,
            created_at=now,
            expires_at=now + KEY_LIFETIME,
        )
        try:
            db.session.execute(claim)
            # Only the claim was written: the user loaded for authentication is still current.
            commit_keeping_loaded_state()
            return claim_id
        except IntegrityError:
            db.session.rollback()
        existing = db.session.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id, IdempotencyKey.scope == scope, IdempotencyKey.key == key
            )
        )
        if existing is None:
            continue
        abandoned = existing.response_status is None and existing.created_at <= now - STALE_AFTER
        if existing.expires_at <= now or abandoned:
            db.session.delete(existing)
            db.session.commit()
            continue
        if existing.request_hash != fingerprint:
            raise IdempotencyMismatch()
        if existing.response_status is None:
            raise IdempotencyInFlight()
        replay = Response(existing.response_body, status=existing.response_status, mimetype="application/json")
        replay.headers["Idempotent-Replayed"] = "true"
        return replay
    raise IdempotencyInFlight()


def idempotent(scope: str) -> Callable:
    """Decorator for an authenticated view; place it below `auth` and above `arguments`."""

    def decorator(func: Callable) -> Callable:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = request.headers.get(HEADER, "").strip()
            if not key:
                return current_app.ensure_sync(func)(*args, **kwargs)
            if len(key) > MAX_KEY_LENGTH:
                raise ValidationFailed(errors={HEADER: [f"At most {MAX_KEY_LENGTH} characters."]})
            if not key.isprintable():
                raise ValidationFailed(errors={HEADER: ["Use printable characters only."]})
            user = current_user()
            claim_id = _claim(user.id, scope, key, _fingerprint())
            if isinstance(claim_id, Response):
                return claim_id
            request.environ[CLAIM] = claim_id
            try:
                response = current_app.make_response(current_app.ensure_sync(func)(*args, **kwargs))
            except Exception:
                db.session.rollback()
                _release(claim_id)
                raise
            if response.status_code >= 500 or response.status_code in (409, 429):
                _release(claim_id)  # transient: let the client retry with the same key
            elif not request.environ.get(ANSWERED):
                db.session.execute(
                    update(IdempotencyKey)
                    .where(IdempotencyKey.id == claim_id)
                    .values(response_status=response.status_code, response_body=response.get_data(as_text=True))
                )
                db.session.commit()
            return response

        return wrapper

    return decorator


def record_answer(status: int, body: Callable[[], Any]) -> None:
    """Store the answer of the claimed request in the view's own transaction (call it before
    the commit): a worker dying between that commit and its response cannot leave the key
    unanswered, so a retry replays the answer instead of running the work twice. `body()` builds
    the JSON body; it is only called when the request holds a claim."""
    claim_id = request.environ.get(CLAIM)
    if claim_id is not None:
        db.session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.id == claim_id)
            # Serialised as the response itself is, so a replay is byte-identical.
            .values(response_status=status, response_body=current_app.json.response(body()).get_data(as_text=True))
        )
        request.environ[ANSWERED] = True


def commit_created(obj: Any, schema: Any, headers: dict[str, str]) -> tuple[Any, int, dict[str, str]]:
    """Commit a view's work whose answer is `obj`, created (201); under an Idempotency-Key claim
    the answer is stored with the work, in the same commit."""
    record_answer(201, lambda: success_body(schema.dump(obj)))
    commit_keeping_loaded_state()
    return obj, 201, headers


def _release(claim_id: Any) -> None:
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == claim_id))
    db.session.commit()


def purge_expired() -> int:
    result = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= utcnow()))
    return result.rowcount or 0
