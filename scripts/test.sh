#!/usr/bin/env bash
# Runs the whole test suite against PostgreSQL (TEST_DATABASE_URL, default
# postgres://postgres@127.0.0.1:5432/macondo_<checkout>; pytest creates and drops
# test_macondo_<checkout>). Extra arguments go to pytest, e.g.
# scripts/test.sh links/tests/test_schema.py -x
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh requirements-dev.txt
# A database name of this checkout's own (from its path), so that two checkouts running the
# suite at once on one server do not drop each other's test database.
checkout=$(pwd -P | sha256sum | cut -c1-10)
export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/macondo_$checkout}"
export DEBUG=false
export SECRET_KEY="test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
export ALLOWED_HOSTS="testserver,localhost,127.0.0.1"
export SECURE_SSL_REDIRECT=false
# Hashed static names need collectstatic first; the suite does not test that storage.
export STATIC_MANIFEST=false
if ! .venv/bin/python - <<'PY'
import os, sys
import psycopg
try:
    # The suite creates its own test_<name> database; the server is what must answer.
    psycopg.connect(os.environ["DATABASE_URL"], dbname="postgres", connect_timeout=3).close()
except Exception as exc:
    sys.stderr.write(
        f"\nPostgreSQL is not reachable at {os.environ['DATABASE_URL']}:\n  {exc}\n"
        "Start it (on these machines: pg_ctlcluster --skip-systemctl-redirect 15 main start)\n"
        "or point TEST_DATABASE_URL at a server where the user may create databases.\n\n"
    )
    sys.exit(1)
PY
then
  exit 1
fi
exec .venv/bin/pytest "$@"
