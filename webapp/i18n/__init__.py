"""Language: the locale of each request (cookie, then browser, then Chinese) and the switch."""
from __future__ import annotations

from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from flask import Blueprint, current_app, g, has_request_context, request
from flask_babel import get_locale

from webapp.extensions import babel
from webapp.i18n.js import js_strings
from webapp.i18n.marks import N_, TranslatedLabels

__all__ = [
    "COOKIE", "COOKIE_MAX_AGE", "DEFAULT_LOCALE", "LOCALES", "N_", "TranslatedLabels", "bp",
    "html_lang", "init_app", "select_locale", "select_timezone", "user_zone",
]

bp = Blueprint("i18n", __name__, url_prefix="/lang")

# Simplified Chinese is the source language (the msgids are the Chinese text); English is the
# one translated catalog. The first is the default.
LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = LOCALES[0]
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
# What <html lang> says for each locale (BCP 47, not the POSIX name).
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}
# The browser's IANA time zone, written by app.js (Intl); times are shown in it when it is a
# real zone, else in the app's TIMEZONE (Asia/Shanghai by default).
TZ_COOKIE = "tz"


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def select_timezone() -> str | None:
    """The browser's time zone from its cookie when it names a real zone, else None (default)."""
    if not has_request_context():
        return None
    zone = request.cookies.get(TZ_COOKIE, "")
    return zone if zone in _known_zones() else None


def user_zone() -> ZoneInfo:
    """The zone to show times in (and to read datetime inputs in) for this request."""
    return ZoneInfo(select_timezone() or current_app.config["TIMEZONE"])


def select_locale() -> str:
    """The switch's cookie, else the browser's best match, else Chinese."""
    if not has_request_context():  # the CLI, a background job: the default
        return DEFAULT_LOCALE
    chosen = request.cookies.get(COOKIE)
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def selected_locale() -> Locale:
    """select_locale() as the Locale Flask-Babel keeps: parsed once per process, not on every
    request (Babel's Locale.parse of a name scans its list of every locale it knows, ~0.2 ms)."""
    return _locale(select_locale())


def html_lang() -> str:
    """The `lang` of <html> for this request's locale."""
    return HTML_LANG.get(str(get_locale()), "zh-CN")


def init_app(app) -> None:
    """Bind Flask-Babel: locales, the time zone (the browser's, else TIMEZONE), the catalogs in
    webapp/translations."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["TIMEZONE"])
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES",
                          str(Path(__file__).resolve().parent.parent / "translations"))
    babel.init_app(app, locale_selector=selected_locale, timezone_selector=select_timezone)

    @app.before_request
    def forget_locale():
        # Flask-Babel keeps the locale on `g`; a test app context outlives each request.
        g.pop("_flask_babel", None)

    app.jinja_env.globals.update(html_lang=html_lang, LOCALES=LOCALES, js_strings=js_strings)
