"""Work that runs once the transaction that caused it has committed: live events, reindex
requests, outbox deliveries.

`after_commit(session, fn, *args)` remembers `fn(*args)` together with the innermost
transaction open at that moment (a SAVEPOINT from `session.begin_nested()`, or the session's
transaction). When a savepoint rolls back, only the work queued inside it (or inside the
savepoints it contained) is dropped; releasing a savepoint runs nothing yet; a rollback of
the whole transaction, or closing the session without a commit, drops everything. After the
outermost commit each piece of work runs once, in the order it was queued (the same
`fn(*args)` queued twice runs once), and a failure of one is logged without stopping the
others.
"""

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

PENDING = "helpport_after_commit"


def after_commit(session: Session | scoped_session, fn: Callable, *args) -> None:
    """Run `fn(*args)` after the session's outermost transaction commits."""
    if isinstance(session, scoped_session):
        session = session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(PENDING, []).append((transaction, fn, args))


@event.listens_for(Session, "after_commit")
def _run(session: Session) -> None:
    if session.in_nested_transaction():
        return  # SQLAlchemy sends after_commit for a released savepoint too: not yet
    queued = session.info.pop(PENDING, None)
    if not queued:
        return
    done = set()
    for _transaction, fn, args in queued:
        if (fn, args) in done:
            continue
        done.add((fn, args))
        try:
            fn(*args)
        except Exception:  # after the commit there is nothing to undo; the rest still runs
            from flask import current_app

            current_app.logger.exception("after-commit work %s%r failed", fn.__name__, args)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous: SessionTransaction) -> None:
    queued = session.info.get(PENDING)
    if not queued:
        return
    if previous.parent is None:
        session.info.pop(PENDING, None)
    elif previous.nested:
        session.info[PENDING] = [item for item in queued if not _inside(item[0], previous)]


@event.listens_for(Session, "after_transaction_end")
def _drop_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    """The session's transaction ended without a commit (closed, or rolled back): nothing it
    queued happened. After a commit `_run` has already taken the work."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)


def _inside(transaction: SessionTransaction | None, savepoint: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is savepoint:
            return True
        transaction = transaction.parent
    return False
