from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

ID_MAX = 2**31 - 1  # integer ids and numbers: PostgreSQL's integer (SQLite's is wider)


def as_id(raw) -> int | None:
    """`raw` as a row id or number (1..ID_MAX), or None: a value no row can have, which
    would overflow the database's integer if it reached a query. A text must be ASCII
    digits only (int() would also read " 7", "+7", "7_0" and other scripts' digits)."""
    if isinstance(raw, bool | float):
        return None
    if isinstance(raw, str) and not (raw.isascii() and raw.isdigit() and len(raw) <= 20):
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if 0 < value <= ID_MAX else None


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value
