"""A shop's own accounts at the payment channels (issue 18): entered by its merchant on the shop's
settings, reviewed by an admin, used for payments only while approved (accounts.account_for).

Partner mode: the platform's service-provider app asks the channel to collect into the shop's own
merchant account (WeChat Pay `sub_mchid`; Alipay the shop's user id, with the app_auth_token the
shop granted the platform's app), so buyers' money never passes through the platform. An admin
checks that the account is the verified shop's before any buyer is sent to it.

Statuses move as ACCOUNT_MOVES says (webapp/payments/state.py), each by one conditional UPDATE
naming the status and the revision it started from, so a decision on data the merchant changed
meanwhile, or a second decision, is refused. Every step is in the audit log."""
from __future__ import annotations

from cryptography.fernet import InvalidToken
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webapp import audit, paging
from webapp.cas import compare_and_set
from webapp.extensions import db
from webapp.i18n import N_
from webapp.models import Channel, MerchantApplication, Shop, ShopPaymentAccount, User, utcnow
from webapp.paging import Key
from webapp.payments.accounts import seal, unseal
from webapp.payments.state import (
    AccountEvent,
    AccountStatus,
    PaymentMoveError,
    account_move,
)
from webapp.web import Conflict, ServiceError

STATUS_LABELS = {AccountStatus.SUBMITTED: N_("待审核"), AccountStatus.APPROVED: N_("已通过"),
                 AccountStatus.REJECTED: N_("已驳回")}
AUDIT_LABELS = {"payment_account.submitted": N_("提交收款账户"),
                "payment_account.approved": N_("收款账户审核通过"),
                "payment_account.rejected": N_("收款账户被驳回")}
NOTE_MAX = 200  # ShopPaymentAccount.review_note

# The admin's queue: the submitted accounts, oldest first, a page at a time, along
# ix_payment_account_queue (status, submitted_at, id).
QUEUE_PAGE = 12
QUEUE_KEY = (Key(ShopPaymentAccount.submitted_at, value=lambda r: r.ShopPaymentAccount.submitted_at),
             Key(ShopPaymentAccount.id, value=lambda r: r.ShopPaymentAccount.id))


def accounts_of(shop_id: int) -> dict[str, ShopPaymentAccount]:
    """The shop's accounts by channel name, whatever their status."""
    rows = db.session.scalars(select(ShopPaymentAccount).where(ShopPaymentAccount.shop_id == shop_id))
    return {str(row.channel): row for row in rows}


def token_tail(account: ShopPaymentAccount | None) -> str:
    """The last four characters of the kept token, for its merchant to recognise it; never more
    ("" without a token, or one the key no longer opens)."""
    if account is None or not account.auth_token_encrypted:
        return ""
    try:
        return unseal(account.auth_token_encrypted)[-4:]
    except InvalidToken:
        return ""


def token_needed(account: ShopPaymentAccount | None, channel: str, merchant_id: str) -> bool:
    """Alipay acts for a shop through the token the shop granted: a new account, or another user
    id, needs its token; a change of nothing else keeps the one kept."""
    return channel == Channel.ALIPAY and (account is None or account.merchant_id != merchant_id
                                          or not account.auth_token_encrypted)


def _same(account: ShopPaymentAccount, merchant_id: str, token: str) -> bool:
    if account.merchant_id != merchant_id:
        return False
    if not token:
        return True
    try:
        return unseal(account.auth_token_encrypted) == token
    except InvalidToken:
        return False


def save(shop: Shop, merchant: User, channel: str, merchant_id: str,
         token: str = "") -> ShopPaymentAccount | None:
    """Enter or change the shop's account at `channel`, for an admin's review: a changed account
    is SUBMITTED again and not used until approved again. None when nothing changed (an approved
    account stays in use)."""
    channel = Channel(channel)
    current = _account(shop.id, channel)
    if token_needed(current, channel, merchant_id) and not token:
        raise ServiceError(_("请填写应用授权令牌"), 422)
    if current is None:
        account = ShopPaymentAccount(shop_id=shop.id, channel=channel, merchant_id=merchant_id,
                                     auth_token_encrypted=seal(token), submitted_at=utcnow(),
                                     status=AccountStatus.SUBMITTED)
        db.session.add(account)
        try:
            db.session.flush()
        except IntegrityError:  # entered in another tab a moment ago
            db.session.rollback()
            raise Conflict(_("该收款账户刚刚在别处修改过，请刷新后核对。")) from None
    elif _same(current, merchant_id, token):
        return None
    else:
        compare_and_set(
            ShopPaymentAccount, ShopPaymentAccount.id == current.id,
            ShopPaymentAccount.status == current.status,
            ShopPaymentAccount.revision == current.revision,
            conflict=_("该收款账户刚刚在别处修改过，请刷新后核对。"),
            status=account_move(current.status, AccountEvent.CHANGED), merchant_id=merchant_id,
            auth_token_encrypted=seal(token) if token else current.auth_token_encrypted,
            revision=current.revision + 1, submitted_at=utcnow(), review_note="",
            reviewed_by_id=None, reviewed_at=None)
        account = db.session.get(ShopPaymentAccount, current.id, populate_existing=True)
    audit.record(merchant, "payment_account.submitted", account, channel=str(channel),
                 merchant_id=merchant_id, revision=account.revision, token_changed=bool(token))
    db.session.commit()
    return account


def _account(shop_id: int, channel: Channel) -> ShopPaymentAccount | None:
    return db.session.scalar(select(ShopPaymentAccount).where(
        ShopPaymentAccount.shop_id == shop_id, ShopPaymentAccount.channel == channel))


def review_queue(after: tuple | None = None) -> paging.Page:
    """A page of the submitted accounts, oldest first, each with its shop and the shop's verified
    legal name and USCC (the admin compares them with the channel's records)."""
    query = (select(ShopPaymentAccount, Shop.name.label("shop_name"), Shop.handle,
                    MerchantApplication.legal_name, MerchantApplication.uscc)
             .join(Shop, Shop.id == ShopPaymentAccount.shop_id)
             .outerjoin(MerchantApplication, MerchantApplication.id == Shop.application_id)
             .where(ShopPaymentAccount.status == AccountStatus.SUBMITTED))
    return paging.keyset(query, QUEUE_KEY, after, QUEUE_PAGE, scalars=False)


def submitted_count() -> int:
    return db.session.scalar(select(func.count(ShopPaymentAccount.id)).where(
        ShopPaymentAccount.status == AccountStatus.SUBMITTED)) or 0


def _gone() -> ServiceError:
    return ServiceError(_("找不到该收款账户"), 404)


def _refused(account_id: int, revision: int) -> ServiceError:
    """Why a decision did not apply: the account is gone, was decided, or changed meanwhile."""
    account = db.session.get(ShopPaymentAccount, account_id)
    if account is None:
        return _gone()
    if account.status is AccountStatus.SUBMITTED and account.revision != revision:
        return Conflict(_("商家刚刚修改了该收款账户，请核对新资料后再审核。"))
    return Conflict(_("该收款账户已被处理，请刷新列表。"))


def decide(account_id: int, admin: User, revision: int, event: AccountEvent,
           note: str = "") -> ShopPaymentAccount:
    """Approve or reject the account as shown to the admin (its `revision`), with a note its
    merchant sees (required to reject)."""
    note = " ".join((note or "").split())[:NOTE_MAX]
    account = db.session.get(ShopPaymentAccount, account_id)
    if account is None:
        raise _gone()
    if event is AccountEvent.REJECTED and not note:
        raise ServiceError(_("请填写驳回原因，商家会看到它。"), 422)
    try:
        status = account_move(account.status, event)
    except PaymentMoveError:
        raise _refused(account_id, revision) from None
    compare_and_set(ShopPaymentAccount, ShopPaymentAccount.id == account_id,
                    ShopPaymentAccount.status == account.status,
                    ShopPaymentAccount.revision == revision,
                    conflict=lambda: _refused(account_id, revision),
                    status=status, review_note=note, reviewed_by_id=admin.id,
                    reviewed_at=utcnow())
    account = db.session.get(ShopPaymentAccount, account_id, populate_existing=True)
    audit.record(admin, f"payment_account.{status}", account, channel=str(account.channel),
                 merchant_id=account.merchant_id, revision=revision, note=note)
    db.session.commit()
    return account
