#!/usr/bin/env bash
# The suite in two passes (docs/PERFORMANCE.md, "Test suite", has their times):
#
# 1. Everything on the embedded default (SQLite, fakeredis), except the tests that need a
#    real PostgreSQL or Redis (marked `postgres` / `redis`).
# 2. When PostgreSQL and Redis answer (always in CI, where they must), the tests that
#    depend on them, once more on PostgreSQL and Redis:
#    - `services`: every test that uses the session app (tests/conftest.py marks each test
#      that asks for `app` or a fixture built on it: `db`, `client`, `acme` ...), so every
#      query, migration, lock, rate limit, queue and pub/sub path of the code runs on both;
#      tests that build their own app on PORTAL_TEST_DATABASE_URL carry the mark by hand;
#    - `postgres` / `redis`: the tests written for a real server (skipped in pass 1).
#    Not again, because nothing in them changes with the database or Redis:
#    - tests of plain functions (no app: they never reach a database or Redis);
#    - `browser` tests: chromium drives the same views that the client tests of pass 2
#      request; what they add (layout, scripts, focus) is the same on any database;
#    - `embeddings` tests: the sentence model's answers; storing and loading an index is
#      tested with the LSA engine, which pass 2 runs;
#    - `bench` tests: the benchmarks' smoke runs (tests/unit/test_bench_*.py: gunicorn and
#      wrk, or the app in-process) check that a benchmark runs and writes its table; the
#      documented runs use SQLite, and what they serve is product code that pass 2 tests
#      directly. (The seeders'
#      tests, test_bench_seed.py and test_bench_pages.py's knowledge-base seed, are not
#      marked `bench` and run again; so does test_bench_faults.py's PostgreSQL test.)
#
# Both passes run on PORTAL_TEST_WORKERS processes (pytest-xdist; default: the cores, at
# most 4, and one more for pass 2); each worker has its own SQLite file, PostgreSQL schema and Redis database.
# Whole files go to one worker (--dist loadfile), the longest first (LONG_MODULES in
# tests/conftest.py; --no-loadscope-reorder keeps that order: xdist would otherwise start
# the files with the most tests first, and so the fuzzers and gunicorn tests, one to nine
# tests each, last, with one worker finishing alone).
# Temporary files (the SQLite test databases among them) go to memory (/dev/shm) when it
# has 1 GiB free: SQLite syncs the disk at every commit (~10 ms a commit on this machine's
# disk against 0.25 ms in memory; 36 app tests made 4,092 syncs), the test databases need
# no durability, and their wall time fell by 15-30% at the same CPU time
# (docs/PERFORMANCE.md, "Test suite"). PORTAL_TEST_TMPDIR=DIR picks another place.
# A subset: .venv/bin/python -m pytest tests/web -x -q (add -n 2 for two processes).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG_URL=${PORTAL_TEST_DATABASE_URL:-postgresql://127.0.0.1:5432/test}
REDIS_URL=${PORTAL_TEST_REDIS_URL:-redis://127.0.0.1:6379/13}
CORES=$(nproc 2>/dev/null || echo 2)
WORKERS=${PORTAL_TEST_WORKERS:-$((CORES < 4 ? CORES : 4))}
# pass 2 waits on PostgreSQL: one process more than the cores keeps them busy (2 cores:
# 261 s on two processes, 200 s on three; pass 1, bound by the CPU, gains nothing)
DB_WORKERS=${PORTAL_TEST_WORKERS:-$((WORKERS + 1))}
FIRST_PASS="not postgres and not redis"
SECOND_PASS="(services or postgres or redis) and not browser and not embeddings and not bench"

if [ -z "${PORTAL_TEST_TMPDIR:-}" ] && [ -d /dev/shm ] &&
   [ "$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 {print $4}')" -ge 1048576 ] 2>/dev/null; then
  PORTAL_TEST_TMPDIR=/dev/shm
fi
if [ -n "${PORTAL_TEST_TMPDIR:-}" ]; then
  TMPDIR=$(mktemp -d "$PORTAL_TEST_TMPDIR/helpport-tests.XXXXXX") || exit 1
  export TMPDIR
  trap 'rm -rf "$TMPDIR"' EXIT
fi

run() {
  local started=$SECONDS workers=$1
  shift
  "$PY" -m pytest -n "$workers" --dist loadfile --no-loadscope-reorder -p no:cacheprovider "$@"
  local rc=$?
  echo "   ($((SECONDS - started)) s)"
  if [ $rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; return 1; fi
  return $rc
}

reachable() {
  "$PY" - "$PG_URL" "$REDIS_URL" <<'PYCODE' >/dev/null 2>&1
import sys, psycopg, redis
psycopg.connect(sys.argv[1].replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3).close()
redis.Redis.from_url(sys.argv[2], socket_connect_timeout=3).ping()
PYCODE
}

echo "== suite on the embedded default (SQLite, in-process queue)"
(unset PORTAL_TEST_DATABASE_URL PORTAL_TEST_REDIS_URL; run "$WORKERS" -m "$FIRST_PASS") || exit 1

if reachable || [ "${CI:-}" = "true" ]; then
  echo "== tests that depend on the database or Redis, on PostgreSQL and Redis"
  PORTAL_TEST_DATABASE_URL=$PG_URL PORTAL_TEST_REDIS_URL=$REDIS_URL run "$DB_WORKERS" -m "$SECOND_PASS" || exit 1
else
  echo "== PostgreSQL/Redis not reachable: skipped the second pass (CI always runs it)"
fi
