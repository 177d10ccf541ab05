# make run   install what is missing, migrate, seed demo data if empty, serve on 127.0.0.1:5000
# make test  install test dependencies (and Debian's chromium), lint (ruff), run the whole suite
# make fuzz  the fuzzers (tests marked fuzz) at length: Hypothesis profile "long", 1000 examples
#            a test, new ones each run, 15-20 minutes (make test runs profile "ci": 10)
# make bench run the benchmarks under bench/
# make scale two app processes behind nginx on 127.0.0.1:8080 over PostgreSQL and Redis
#            (deploy/README.md; SCALE_DATABASE_URL / SCALE_REDIS_URL override the defaults)
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export FLASK_APP := webapp

.PHONY: run test test-ready test-base fuzz bench scale chromium nginx clean catalogs messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

instance/secret_key:
	mkdir -p -m 700 instance && chmod 700 instance
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(48))" > $@
	chmod 600 $@

instance/kyc_key: | $(VENV)/.runtime
	mkdir -p -m 700 instance && chmod 700 instance
	$(BIN)/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())" > $@
	chmod 600 $@

# Translations: the .po catalogs are committed, the .mo files are built here (never committed).
CATALOGS := $(patsubst %.po,%.mo,$(wildcard webapp/translations/*/LC_MESSAGES/messages.po))

webapp/translations/%/LC_MESSAGES/messages.mo: webapp/translations/%/LC_MESSAGES/messages.po | $(VENV)/.runtime
	$(BIN)/pybabel compile -d webapp/translations -l $*

catalogs: $(CATALOGS)

# Re-extract the strings and merge them into the catalogs (then translate the new entries).
messages: | $(VENV)/.runtime
	PYTHONPATH=. $(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --ignore-dirs=".* __pycache__ node_modules" -o webapp/translations/messages.pot .
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations --no-fuzzy-matching --ignore-obsolete

# APP_ENV=development: without payment credentials (ALIPAY_*, WECHATPAY_*) online payments go to
# the development gateway the app serves itself under /dev-gateway/ (PAYMENT_DEV_GATEWAY=0: off).
run: $(VENV)/.runtime instance/secret_key instance/kyc_key catalogs
	@export SECRET_KEY="$$(cat instance/secret_key)" PUBLIC_URL="$${PUBLIC_URL:-http://127.0.0.1:5000}" \
	  APP_ENV="$${APP_ENV:-development}"; \
	$(BIN)/flask db upgrade && \
	if $(BIN)/flask db-empty; then $(BIN)/flask seed-demo; else $(BIN)/flask demo-logins; fi && \
	$(BIN)/flask payments status && $(BIN)/flask sms status && \
	echo "Serving on http://127.0.0.1:5000 (Ctrl-C to stop)" && \
	exec $(BIN)/gunicorn -c deploy/gunicorn.conf.py wsgi:app

# Chromium, and a Chinese font for it: without one every Chinese page renders as empty boxes,
# and the layout tests would measure boxes instead of the glyphs our users see.
chromium:
	@( command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q . ) || \
	  ( $(SUDO) apt-get install -y --no-install-recommends chromium fonts-noto-cjk || \
	    ( $(SUDO) apt-get update && \
	      $(SUDO) apt-get install -y --no-install-recommends chromium fonts-noto-cjk ) )

nginx:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || \
	  ( $(SUDO) apt-get install -y --no-install-recommends nginx || \
	    ( $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends nginx ) )

# Lighthouse (tests/e2e/test_lighthouse.py) comes from npm, pinned by package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# What the suite needs, and the lint (make test).
test-ready: test-base node_modules/.installed

# test-ready but Lighthouse's npm packages: .ci/run makes this, then installs those in the lane
# whose browser tests run Lighthouse while the other lanes start.
test-base: $(VENV)/.dev chromium nginx catalogs
	$(BIN)/ruff check .

test: test-ready
	$(BIN)/python -m pytest tests

# Failing examples are kept in .hypothesis/ and tried first the next time.
fuzz: $(VENV)/.dev catalogs
	$(BIN)/python -m pytest tests -m fuzz --hypothesis-profile=long

bench: $(VENV)/.dev
	$(BIN)/python -m pytest bench -q -s -p no:cacheprovider

scale: $(VENV)/.runtime instance/secret_key instance/kyc_key catalogs nginx
	deploy/scale.sh

clean:
	rm -rf $(VENV) .pytest_cache node_modules
