"""Which channels a shop can be paid through: the channels configured for the platform (made
once per process) and the shop's own accounts at them, approved by an admin."""
from __future__ import annotations

import logging

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import select

from webapp.config import kyc_key
from webapp.extensions import db
from webapp.models import AccountStatus, Channel, ShopPaymentAccount
from webapp.payments import configured_channels
from webapp.payments.channels import Channel as ChannelClient
from webapp.payments.channels import ShopAccount

log = logging.getLogger(__name__)


class NoChannel(LookupError):
    """The channel is not configured, or the shop has no approved account at it."""


def clients() -> dict[str, ChannelClient]:
    """The configured channels of this app, made once per process."""
    kept = current_app.extensions.get("payment_channels")
    if kept is None:
        kept = current_app.extensions["payment_channels"] = configured_channels(current_app.config)
    return kept


def _fernet() -> Fernet:
    return Fernet(kyc_key(current_app.config))


def seal(token: str) -> str:
    """An Alipay app_auth_token as kept at rest (encrypted with the KYC key)."""
    return _fernet().encrypt(token.encode()).decode() if token else ""


def unseal(sealed: str) -> str:
    """The token `seal` kept ("" for none); InvalidToken when the key has changed since."""
    return _fernet().decrypt(sealed.encode()).decode() if sealed else ""


def account_for(shop_id: int, channel: str) -> ShopAccount | None:
    """The shop's approved account at `channel`, or None."""
    row = db.session.scalar(select(ShopPaymentAccount).where(
        ShopPaymentAccount.shop_id == shop_id, ShopPaymentAccount.channel == channel,
        ShopPaymentAccount.status == AccountStatus.APPROVED))
    if row is None:
        return None
    try:
        token = _fernet().decrypt(row.auth_token_encrypted.encode()).decode() \
            if row.auth_token_encrypted else ""
    except InvalidToken:
        log.error("shop %s: the %s account's token does not decrypt", shop_id, channel)
        return None
    return ShopAccount(merchant_id=row.merchant_id, auth_token=token)


def channels_for(shop_id: int) -> list[str]:
    """The channels a buyer may pay this shop through online: configured here, approved there."""
    configured = clients()
    if not configured:
        return []
    approved = set(db.session.scalars(select(ShopPaymentAccount.channel).where(
        ShopPaymentAccount.shop_id == shop_id, ShopPaymentAccount.status == AccountStatus.APPROVED,
        ShopPaymentAccount.channel.in_(list(configured)))))
    return [str(c) for c in Channel if str(c) in approved]


def client_and_account(shop_id: int, channel: str) -> tuple[ChannelClient, ShopAccount]:
    client = clients().get(str(channel))
    account = account_for(shop_id, channel) if client is not None else None
    if client is None or account is None:
        raise NoChannel(channel)
    return client, account
