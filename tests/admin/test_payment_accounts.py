"""The admin's review of shops' payment accounts (issue 18): a queue of the submitted ones, oldest
first, a page at a time; approve or reject (with a note the merchant sees) the account as shown,
through the transition table and one conditional UPDATE, each decision in the audit log; approving
puts the channel on the shop's checkout, and a change or a rejection takes it off."""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.helpers import HX, assert_flash_error, assert_page, assert_redirect, url
from tests.support.paged import BAD_CURSOR, walk
from tests.support.payments import WECHAT_SHOP, Gateways
from webapp.extensions import db
from webapp.models import AccountStatus, AuditLog, Role, ShopPaymentAccount, utcnow
from webapp.payments import shop_accounts
from webapp.payments.state import (
    ACCOUNT_MOVES,
    AccountEvent,
    PaymentMoveError,
    account_move,
)

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

ROW = r'id="payment-account-(\d+)"'
_clock = itertools.count(1)


@pytest.fixture(scope="module")
def gateways(tmp_path_factory):
    running = Gateways(tmp_path_factory.mktemp("payments"))
    yield running
    running.stop()


@pytest.fixture
def admin(client, login_as, make_user):
    return login_as(make_user(Role.ADMIN))


@pytest.fixture
def submitted(make_shop):
    """`n` shops' WeChat Pay accounts waiting for review, each submitted a moment after the last."""

    def make(n: int = 1, **fields) -> list[ShopPaymentAccount]:
        made = []
        for _ in range(n):
            shop = make_shop()
            account = ShopPaymentAccount(
                shop_id=shop.id, channel="wechat", merchant_id=f"19{shop.id:08d}",
                status=AccountStatus.SUBMITTED,
                submitted_at=utcnow() + timedelta(milliseconds=next(_clock)), **fields)
            db.session.add(account)
            made.append(account)
        db.session.commit()
        return made

    return make


def decide(app, client, account, action, revision=None, note="", htmx=True):
    return client.post(url(app, f"admin.{action}_account", account_id=account.id),
                       data={"revision": str(revision or account.revision), "note": note},
                       headers=HX if htmx else {})


def fresh(account) -> ShopPaymentAccount:
    db.session.expire_all()
    return db.session.get(ShopPaymentAccount, account.id)


@pytest.mark.postgres_every_case
@pytest.mark.parametrize("status", list(AccountStatus))
@pytest.mark.parametrize("event", list(AccountEvent))
def test_the_transition_table(status, event):
    expected = ACCOUNT_MOVES.get((status, event))
    if expected is None:
        with pytest.raises(PaymentMoveError):
            account_move(status, event)
    else:
        assert account_move(status, event) is expected
    # Only a submitted account is decided; any change goes (back) to review.
    if event is AccountEvent.CHANGED:
        assert expected is AccountStatus.SUBMITTED
    else:
        assert (expected is not None) == (status is AccountStatus.SUBMITTED)


def test_the_queue_shows_what_to_check(app, client, admin, submitted):
    [account] = submitted(1)
    text = assert_page(client.get(url(app, "admin.payment_accounts")), f"payment-account-{account.id}")
    assert account.merchant_id in text and "微信支付" in text
    assert 'name="revision" value="1"' in text and "1 个待审核" in text
    assert "买家的钱直接进入店铺自己的商户账户" in text
    assert f'href="{url(app, "admin.payment_accounts")}"' in client.get(
        url(app, "admin.applications")).text


def test_the_queue_is_read_oldest_first_a_page_at_a_time(app, client, admin, submitted):
    accounts = submitted(shop_accounts.QUEUE_PAGE * 2 + 3)
    ids = [a.id for a in accounts]
    late = []

    def between(n):  # one decided and one new while the admin reads
        if n == 1:
            decide(app, client, accounts[-1], "approve")
            late.extend(a.id for a in submitted(1))

    seen, _texts = walk(client, url(app, "admin.payment_accounts"), ROW, between)
    assert seen == ids[:-1] + late


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_approving_is_audited_and_recorded(app, client, admin, submitted, htmx):
    [account] = submitted(1)
    response = decide(app, client, account, "approve", note="已核对", htmx=htmx)
    if htmx:
        assert response.status_code == 200 and "已通过" in response.text
        assert f'id="payment-account-{account.id}"' in response.text
    else:
        assert_redirect(response, url(app, "admin.payment_accounts"))
    account = fresh(account)
    assert (account.status, account.reviewed_by_id, account.review_note) == (
        AccountStatus.APPROVED, admin.id, "已核对")
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.subject_type == "shop_payment_account"))
    assert (entry.action, entry.actor_id, entry.subject_id) == (
        "payment_account.approved", admin.id, account.id)
    assert entry.detail["revision"] == 1 and entry.detail["merchant_id"] == account.merchant_id
    assert f'id="payment-account-{account.id}"' not in client.get(
        url(app, "admin.payment_accounts")).text


def test_rejecting_needs_a_note(app, client, admin, submitted):
    [account] = submitted(1)
    assert_flash_error(decide(app, client, account, "reject", note="  "), 422, "请填写驳回原因")
    assert fresh(account).status is AccountStatus.SUBMITTED
    response = decide(app, client, account, "reject", note="子商户号不属于该店铺")
    assert response.status_code == 200 and "商家会看到说明" in response.text
    account = fresh(account)
    assert (account.status, account.review_note) == (AccountStatus.REJECTED, "子商户号不属于该店铺")
    [entry] = db.session.scalars(select(AuditLog))
    assert entry.action == "payment_account.rejected" and entry.detail["note"] == "子商户号不属于该店铺"


def test_a_decision_applies_once_and_only_to_what_was_shown(app, client, admin, submitted):
    [account] = submitted(1)
    merchant = db.session.get(type(admin), account.shop.owner_id)
    # The merchant changes the account after the admin's page was drawn (revision 1).
    shop_accounts.save(account.shop, merchant, "wechat", "1900000999")
    assert fresh(account).revision == 2
    assert_flash_error(decide(app, client, account, "approve", revision=1), 409, "商家刚刚修改了")
    assert fresh(account).status is AccountStatus.SUBMITTED
    assert decide(app, client, account, "approve", revision=2).status_code == 200
    # A second decision (another admin, a second tab) is refused and changes nothing.
    assert_flash_error(decide(app, client, account, "reject", revision=2, note="晚了"), 409,
                       "已被处理")
    assert fresh(account).status is AccountStatus.APPROVED
    assert [e.action for e in db.session.scalars(select(AuditLog).order_by(AuditLog.id))] == [
        "payment_account.submitted", "payment_account.approved"]


@pytest.mark.parametrize("revision", ["", "x", "0", str(2**31), "-1"])
def test_a_decision_without_its_revision_is_refused(app, client, admin, submitted, revision):
    [account] = submitted(1)
    response = client.post(url(app, "admin.approve_account", account_id=account.id),
                           data={"revision": revision}, headers=HX)
    assert_flash_error(response, 422, "审核表单已过期")
    assert fresh(account).status is AccountStatus.SUBMITTED


def test_an_unknown_account_and_a_bad_cursor(app, client, admin):
    response = client.post(url(app, "admin.approve_account", account_id=999999),
                           data={"revision": "1"}, headers=HX)
    assert_flash_error(response, 404, "找不到该收款账户")
    response = client.get(url(app, "admin.payment_accounts", after="not-a-cursor"))
    assert response.status_code == 400 and BAD_CURSOR in response.text


def test_checkout_offers_wechat_pay_only_while_approved(app, client, world, gateways, login_as,
                                                        as_party, add_to_cart, make_address):
    """Approving puts WeChat Pay on the shop's checkout; the merchant's change takes it off until
    an admin decides again, and a rejection keeps it off."""
    app.extensions["payment_channels"] = gateways.channels()
    buyer = as_party(world.buyer)
    make_address(world.buyer, is_default=True)
    add_to_cart(world.buyer, world.product)
    merchant = as_party(world.merchant)
    checkout = url(app, "orders.checkout", shop_id=world.shop.id)

    def offered() -> bool:
        text = buyer.get(checkout).text
        assert 'value="cod"' in text, text[:500]
        return 'value="wechat_online"' in text

    def entered(sub_mchid):
        response = merchant.post(url(app, "merchants.payment_accounts"),
                                 data={"channel": "wechat", "sub_mchid": sub_mchid})
        assert response.status_code == 303
        return db.session.scalar(select(ShopPaymentAccount).where(
            ShopPaymentAccount.shop_id == world.shop.id))

    admin = login_as(world.admin)
    account = entered(WECHAT_SHOP.merchant_id)
    assert not offered()
    assert decide(app, client, account, "approve").status_code == 200
    assert offered()
    account = entered("1900000555")
    assert fresh(account).status is AccountStatus.SUBMITTED and not offered()
    assert decide(app, client, account, "reject", revision=2, note="请使用本店的子商户号").status_code == 200
    assert not offered()
    assert "请使用本店的子商户号" in merchant.get(url(app, "merchants.payment_accounts")).text
    assert admin.id == world.admin.id
