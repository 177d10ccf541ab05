"""What the tests share: no test module (test_*.py or conftest.py) imports another, only these.

database   the app on in-memory SQLite or the session's PostgreSQL database (TEST_SUITE_DATABASE)
factories  a world of users, shops and products; delivery windows; a complete KYC application
images     real JPEG/PNG bytes, a drawn signature, EXIF with GPS
helpers    assertions on pages, fragments, htmx redirects and flashes; form builders
live       the real server (gunicorn + gevent) and a requests/python-socketio client for it, nginx
browser    Debian's Chromium: launch arguments, phone and tablet contexts, login, waits, screenshots
demo       the demo site a11y and Lighthouse measure (seed-demo plus orders, a cart, a demand)
delivery   Socket.IO position payloads and received events
demands    demand and quote inputs, forms and checkout windows
security   the victims' secrets, intruders, database snapshots, and every route's fill and form
search     the small market the search tests query
migrations an app on a migrated database and the models-vs-migrations comparison
i18n       which folders `make messages` reads
"""
