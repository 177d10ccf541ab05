"""Text messages: one-time codes and must-not-miss notices, through the provider SMS_PROVIDER
names (log: the development provider, which writes them to the server log; tencent: Tencent
Cloud SMS). Everything else calls send_code and send_notice here, after its commit (a provider
is a network call)."""
from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from webapp.sms import settings
from webapp.sms.kinds import CODE_TEMPLATE, NOTICES, CodePurpose, NoticeKind
from webapp.sms.providers import LogProvider, Provider, SmsError
from webapp.sms.tencent import TencentProvider

__all__ = ["CodePurpose", "NoticeKind", "Provider", "SmsError", "build", "init_app", "provider",
           "send_code", "send_notice"]

log = logging.getLogger("webapp.sms")
sms_group = AppGroup("sms", help="Text messages: where they go.")
TEMPLATE_SETTINGS = (CODE_TEMPLATE.setting, *(t.setting for t in NOTICES.values()))


def build(config) -> Provider:
    """The provider the settings name; refused by name when half configured."""
    if settings.provider_name(config) == "tencent":
        return TencentProvider(settings.tencent(config, TEMPLATE_SETTINGS))
    return LogProvider()


def init_app(app: Flask) -> None:
    """Choose the provider when the app is built (no network call) and add `flask sms`."""
    app.extensions["sms"] = build(app.config)
    app.cli.add_command(sms_group)
    if app.config.get("APP_ENV") == "production" and isinstance(app.extensions["sms"], LogProvider):
        log.warning("SMS_PROVIDER is log in production: codes are written to this log and nobody "
                    "receives them (README, SMS settings)")


def provider() -> Provider:
    return current_app.extensions["sms"]


def send_code(mobile: str, code: str, purpose: CodePurpose) -> None:
    """Text a one-time code to `mobile` (E.164); SmsError when it could not be sent."""
    provider().send_code(mobile, code, purpose)


def send_notice(mobile: str, kind: NoticeKind, params: dict) -> None:
    """Text a notice of `kind` to `mobile` (E.164); SmsError when it could not be sent."""
    provider().send_notice(mobile, kind, params)


@sms_group.command("status")
def status_command() -> None:
    """Say where text messages go."""
    chosen = provider()
    if isinstance(chosen, LogProvider):
        click.echo("SMS codes and notices go to the server log (development provider, nothing is "
                   "sent); SMS_PROVIDER=tencent sends them (README, SMS settings).")
    else:
        click.echo(f"SMS codes and notices are sent through {chosen.name}.")
