"""What the web tests share."""

import re

from sqlalchemy import event

from portal.extensions import db

WORKSPACE_LOOKUP = re.compile(r"SELECT workspace\.id, .* FROM workspace WHERE")


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

    def drop_workspace_lookup(self) -> "Statements":
        """Leave out the workspace lookup, after checking there was at most one: a page
        makes it once, or not at all on a SQLite file while nothing was committed since
        the last one (portal.sqlite_changes), so pins of a page's statements skip it."""
        lookups = [s for s in self.seen if WORKSPACE_LOOKUP.match(s)]
        assert len(lookups) <= 1, self.report()
        self.seen = [s for s in self.seen if not WORKSPACE_LOOKUP.match(s)]
        return self

    def report(self) -> str:
        return "\n".join(s[:160] for s in self.seen)
