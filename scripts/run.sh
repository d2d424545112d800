#!/usr/bin/env bash
# Quick start: from a fresh checkout to the app on http://127.0.0.1:8000 (PORT and HOST
# choose another address). Without DATABASE_URL it uses an embedded SQLite file
# (db.sqlite3); with it, PostgreSQL, created when the server lacks the database.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${PORT:-}" ] && ! { [[ $PORT =~ ^[0-9]{1,5}$ ]] && ((10#$PORT >= 1 && 10#$PORT <= 65535)); }; then
  echo "PORT must be a port number (1-65535), e.g. PORT=8001 scripts/run.sh (not '$PORT')." >&2
  exit 2
fi
scripts/venv.sh requirements.txt
py=.venv/bin/python
export DEBUG=${DEBUG:-true}
# Lines in the order they happen, also when the output goes to a pipe or a file.
export PYTHONUNBUFFERED=1
# .env (written once, then kept in step with DATABASE_URL, PORT, HOST, SHORT_LINK_BASE_URL
# given here), the database, migrations, demo data on an empty database, how to sign in.
$py manage.py quick_start
address=$($py manage.py quick_start --address)
# The banner above says it is the development server, and where production's is.
export DJANGO_RUNSERVER_HIDE_WARNING=true
exec $py manage.py runserver "$address"
