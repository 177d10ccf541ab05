#!/bin/sh
# `flask --app webapp …` from the checkout with the app's environment: the KEY=value lines of
# $APP_ENV_FILE (default: ./env in the checkout, readable by the app's user only), as the app
# processes get them. Used by deploy/crontab.
set -eu
cd "$(dirname "$0")/.."
env_file="${APP_ENV_FILE:-env}"
if [ -f "$env_file" ]; then
    set -a
    . "./$env_file"
    set +a
fi
exec .venv/bin/flask --app webapp "$@"
