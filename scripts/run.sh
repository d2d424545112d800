#!/usr/bin/env bash
# Quick start: from a fresh checkout to the app on http://127.0.0.1:8000.
# Without DATABASE_URL it uses an embedded SQLite file (db.sqlite3); with it, PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh requirements.txt
py=.venv/bin/python
if [ ! -f .env ]; then
  # Local settings for this checkout, so that every manage.py command works here too.
  cat > .env <<ENV
# Local development (written by scripts/run.sh); every knob is in .env.example
DEBUG=true
SECRET_KEY=$($py -c 'import secrets; print(secrets.token_urlsafe(64))')
ENV
  echo "Wrote .env for local development (DEBUG=true, a random SECRET_KEY)."
fi
export DEBUG=${DEBUG:-true}
$py manage.py migrate --noinput
if [ "$($py manage.py shell --verbosity 0 -c 'from links.models import Link; print(Link.objects.exists())' | tail -n 1)" = "False" ]; then
  $py manage.py seed_demo
fi
cat <<'MSG'

  Macondo runs on http://127.0.0.1:8000/
  Staff sign in with Google once GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and
  ALLOWED_EMAIL_DOMAINS are set (see .env.example and README "Signing in").
  Without Google credentials, make a superuser once:
      .venv/bin/python manage.py createsuperuser
  and sign in with that email and password at http://127.0.0.1:8000/admin/login/
  (the admin's own form, the only password sign-in; it needs is_staff). That session
  then opens every page.

MSG
exec $py manage.py runserver 127.0.0.1:8000
