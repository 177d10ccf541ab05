#!/usr/bin/env bash
# Scale-out mode on one machine: two single-worker gunicorn+gevent processes on 127.0.0.1:5001
# and :5002 over PostgreSQL and Redis, behind nginx on http://127.0.0.1:8080. Ctrl-C stops all.
# `make scale` runs this after installing what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"

export FLASK_APP=webapp APP_ENV=production TRUSTED_PROXIES=1
export DATABASE_URL="${SCALE_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/marketplace_scale}"
export SOCKETIO_MESSAGE_QUEUE="${SCALE_REDIS_URL:-redis://127.0.0.1:6379/0}"
export RATELIMIT_STORAGE_URI="$SOCKETIO_MESSAGE_QUEUE"
export SOCKETIO_CHANNEL="${SOCKETIO_CHANNEL:-marketplace-scale}"
export SECRET_KEY="$(cat instance/secret_key)"
export KYC_ENCRYPTION_KEY="$(cat instance/kyc_key)"
export UPLOAD_DIR="${UPLOAD_DIR:-$PWD/instance/uploads}"  # shared: both processes are on this host
# QR codes and posters carry this address (never the Host a client sends): nginx's.
export PUBLIC_URL="${PUBLIC_URL:-http://127.0.0.1:8080}"

# Create the database if it is not there yet (connecting to the server's `postgres` database).
$BIN/python - <<'PY'
import os
import sqlalchemy as sa
url = sa.make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+psycopg")
admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
with admin.connect() as c:
    if not c.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                     {"n": url.database}).scalar():
        c.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
        print(f"created database {url.database}")
PY
$BIN/flask db upgrade
if $BIN/flask db-empty; then $BIN/flask seed-demo; else $BIN/flask demo-logins; fi

mkdir -p instance/nginx
pids=()
stop() {
    trap - EXIT INT TERM
    kill "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap stop EXIT INT TERM
for port in 5001 5002; do
    BIND="127.0.0.1:$port" $BIN/gunicorn -c deploy/gunicorn.conf.py wsgi:app &
    pids+=($!)
done
"$NGINX" -p "$PWD" -c deploy/nginx.conf -e stderr -g "daemon off;" &
pids+=($!)
echo "Serving on http://127.0.0.1:8080 through nginx -> 127.0.0.1:5001, :5002 (Ctrl-C stops all)"
wait -n  # one of them stopped: stop the others too
