"""Work that waits for the commit: callbacks run once the session's outermost transaction has
committed, and are dropped when it rolls back (Django's `transaction.on_commit`).

Domain code never commits; it registers what must happen only if its changes are kept (send a
mail, start a job) and the caller's one commit, wherever it is (a route, a CLI command, a back-
office action, a job), sets it off. The callbacks run after the commit has finished, with the
session usable again (in a new transaction), so they may read what was just written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from kastoma.extensions import db

log = logging.getLogger("kastoma.transactions")

_PENDING = "kastoma_on_commit"  # session.info: callbacks of the open transaction
_COMMITTED = "kastoma_committed"  # session.info: callbacks whose transaction committed


def on_commit(callback: Callable[[], Any], session: Session | None = None) -> None:
    """Run `callback()` after the current transaction commits; at once when none is open."""
    session = session if session is not None else db.session()
    if not session.in_transaction():
        callback()
        return
    session.info.setdefault(_PENDING, []).append(callback)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    # A savepoint's release is not a commit: its callbacks wait for the outermost transaction.
    if session.in_nested_transaction():
        return
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.info.setdefault(_COMMITTED, []).extend(pending)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _run_committed(session: Session, transaction: SessionTransaction) -> None:
    # SQLAlchemy refuses SQL inside after_commit; once the transaction has ended it is allowed.
    if transaction.parent is not None:
        return
    callbacks = session.info.pop(_COMMITTED, None)
    for callback in callbacks or ():
        try:
            callback()
        except Exception:  # the commit stands; one failed follow-up must not stop the others
            log.exception("after-commit callback failed")
