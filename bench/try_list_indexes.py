"""Try the index fix proposed in docs/PERFORMANCE.md without touching the product: copy the
seeded bench database, add the indexes there (and planner statistics), print its URL.

    python -m bench.try_list_indexes sqlite     # or postgres
    python -m bench.tickets_load --db sqlite --url <printed URL>
"""

import sqlite3
import sys

from bench.tickets_load import PG_ADMIN_URL, PG_DB, WORK

FIX_DB = f"{PG_DB}_fix"
INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_ticket_ws_created_id ON ticket (workspace_id, created_at, id)",
    "CREATE INDEX IF NOT EXISTS ix_ticket_ws_updated_id ON ticket (workspace_id, updated_at, id)",
    "CREATE INDEX IF NOT EXISTS ix_ticket_ws_account_created_id "
    "ON ticket (workspace_id, account_id, created_at, id)",
)


def sqlite_copy() -> str:
    source, target = WORK / "helpport_bench.db", WORK / "helpport_bench_fix.db"
    for suffix in ("", "-wal", "-shm"):  # an old log must not be replayed into the new copy
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    # SQLite's backup API, not a file copy: the newest commits may be in the -wal file
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    with sqlite3.connect(target) as conn:
        for statement in INDEXES:
            conn.execute(statement)
        conn.execute("ANALYZE")
    return f"sqlite:///{target}"


def postgres_copy() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{FIX_DB}"')
        conn.execute(f'CREATE DATABASE "{FIX_DB}" TEMPLATE "{PG_DB}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{FIX_DB}"
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in INDEXES:
            conn.execute(statement)
        conn.execute("ANALYZE")
    return url


if __name__ == "__main__":
    kind = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    print(sqlite_copy() if kind == "sqlite" else postgres_copy())
