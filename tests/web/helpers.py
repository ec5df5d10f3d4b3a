"""What the web tests share."""

from sqlalchemy import event

from portal.extensions import db


class Statements:
    """The SQL statements the database receives while the block runs."""

    def __init__(self):
        self.seen: list[str] = []

    def note(self, _conn, _cursor, statement, *_args):
        self.seen.append(" ".join(statement.split()))

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self.note)
        return self

    def __exit__(self, *_exc):
        event.remove(db.engine, "before_cursor_execute", self.note)

    def count(self) -> int:
        return len(self.seen)

    def report(self) -> str:
        return "\n".join(s[:160] for s in self.seen)
