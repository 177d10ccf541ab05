"""A shop's payment accounts on its settings (issue 18): the merchant enters WeChat Pay's
sub_mchid and Alipay's user id with its app_auth_token (kept encrypted, shown back as a tail
only); each entry or change waits for an admin's review, a change to an approved account takes
it out of use until approved again; bad input is refused on its field in both languages."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from tests.support.helpers import HX, assert_fragment, assert_page, assert_redirect, url
from tests.support.payments import ALIPAY_SHOP, WECHAT_SHOP
from webapp.cli import seed_demo
from webapp.extensions import db
from webapp.models import AccountStatus, AuditLog, Role, Shop, ShopPaymentAccount
from webapp.payments.accounts import account_for, unseal

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

EN = {"Accept-Language": "en"}


@pytest.fixture
def shop(client, login_as, make_user, make_shop):
    merchant = login_as(make_user(Role.MERCHANT))
    return make_shop(merchant)


def accounts(shop) -> dict[str, ShopPaymentAccount]:
    db.session.expire_all()
    rows = db.session.scalars(select(ShopPaymentAccount).where(ShopPaymentAccount.shop_id == shop.id))
    return {str(row.channel): row for row in rows}


def post(app, client, htmx=False, language=None, **form):
    headers = {**(HX if htmx else {}), **({"Accept-Language": language} if language else {})}
    return client.post(url(app, "merchants.payment_accounts"), data=form, headers=headers)


def wechat(app, client, sub_mchid=WECHAT_SHOP.merchant_id, **kw):
    return post(app, client, channel="wechat", sub_mchid=sub_mchid, **kw)


def alipay(app, client, user_id=ALIPAY_SHOP.merchant_id, token=ALIPAY_SHOP.auth_token, **kw):
    return post(app, client, channel="alipay", user_id=user_id, app_auth_token=token, **kw)


def approve(account: ShopPaymentAccount) -> None:
    account.status = AccountStatus.APPROVED
    db.session.commit()


def test_the_page_says_the_money_goes_to_the_shop_in_both_languages(app, client, shop):
    path = url(app, "merchants.payment_accounts")
    text = assert_page(client.get(path), "payment-account-wechat")
    assert 'id="payment-account-alipay"' in text
    assert "钱直接进入你自己的商户账户，不经过平台" in text and "未填写" in text
    assert 'name="sub_mchid"' in text and 'name="app_auth_token"' in text
    english = assert_page(client.get(path, headers=EN), "payment-account-wechat")
    assert "straight into your own merchant account" in english
    assert "Not entered" in english and "钱" not in english
    # The settings page and the dashboard lead here.
    for page in ("merchants.shop_settings", "merchants.dashboard"):
        assert f'href="{path}"' in client.get(url(app, page)).text


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_entering_an_account_submits_it_for_review(app, client, shop, htmx):
    response = wechat(app, client, sub_mchid=" 1900 000 101 ", htmx=htmx)
    if htmx:
        text = assert_fragment(response, "payment-account-wechat")
        assert "平台审核通过后买家即可在线付款" in text and "待审核" in text
    else:
        assert_redirect(response, url(app, "merchants.payment_accounts"))
    account = accounts(shop)["wechat"]
    assert (account.merchant_id, account.status, account.revision) == (
        "1900000101", AccountStatus.SUBMITTED, 1)
    assert account_for(shop.id, "wechat") is None  # not used before an admin approved it
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.subject_id == account.id))
    assert entry.action == "payment_account.submitted" and entry.subject_type == "shop_payment_account"
    assert entry.detail["merchant_id"] == "1900000101"


@pytest.mark.parametrize("form, field, message, english", [
    ({"channel": "wechat", "sub_mchid": ""}, "sub_mchid", "请填写子商户号",
     "Enter the sub-merchant number"),
    ({"channel": "wechat", "sub_mchid": "1234567"}, "sub_mchid", "子商户号是 8 到 10 位数字",
     "8 to 10 digits"),
    ({"channel": "wechat", "sub_mchid": "１９０００００１０１"}, "sub_mchid", "子商户号是 8 到 10 位数字",
     "8 to 10 digits"),
    ({"channel": "alipay", "user_id": "2099000000000101", "app_auth_token": "a" * 20}, "user_id",
     "以 2088 开头的 16 位数字", "16 digits starting with 2088"),
    ({"channel": "alipay", "user_id": ALIPAY_SHOP.merchant_id, "app_auth_token": ""},
     "app_auth_token", "请填写应用授权令牌", "Enter the app authorisation token"),
    ({"channel": "alipay", "user_id": ALIPAY_SHOP.merchant_id, "app_auth_token": "short<x>"},
     "app_auth_token", "授权令牌由字母和数字组成", "letters and digits"),
])
def test_bad_input_is_refused_on_its_field(app, client, shop, form, field, message, english):
    for language, expected in (("zh-CN", message), ("en", english)):
        response = post(app, client, htmx=True, language=language, **form)
        text = assert_fragment(response, f"payment-account-{form['channel']}", status=422)
        assert expected in text, text
        assert f'aria-describedby="{field}-error"' in text
    assert accounts(shop) == {}
    assert db.session.scalars(select(AuditLog)).all() == []


def test_an_unknown_channel_is_refused(app, client, shop):
    response = post(app, client, htmx=True, channel="paypal", sub_mchid="1900000101")
    assert response.status_code == 400 and "请选择收款渠道" in response.text
    assert accounts(shop) == {}


def test_the_alipay_token_is_kept_encrypted_and_shown_as_a_tail(app, client, shop):
    alipay(app, client)
    account = accounts(shop)["alipay"]
    assert ALIPAY_SHOP.auth_token not in account.auth_token_encrypted
    assert unseal(account.auth_token_encrypted) == ALIPAY_SHOP.auth_token
    text = client.get(url(app, "merchants.payment_accounts")).text
    assert ALIPAY_SHOP.auth_token not in text and ALIPAY_SHOP.auth_token[:-4] not in text
    assert f"尾号 {ALIPAY_SHOP.auth_token[-4:]}" in text
    assert f'value="{ALIPAY_SHOP.merchant_id}"' in text  # the user id is filled in to change


def test_a_change_to_an_approved_account_waits_for_a_new_review(app, client, shop):
    wechat(app, client)
    approve(accounts(shop)["wechat"])
    assert account_for(shop.id, "wechat").merchant_id == WECHAT_SHOP.merchant_id
    # The same data again changes nothing: the approved account stays in use.
    response = wechat(app, client, htmx=True)
    assert "没有改动" in assert_fragment(response, "payment-account-wechat")
    assert accounts(shop)["wechat"].status is AccountStatus.APPROVED
    response = wechat(app, client, sub_mchid="1900000202", htmx=True)
    assert "买家暂时不能用微信支付在线付款" in assert_fragment(response, "payment-account-wechat")
    account = accounts(shop)["wechat"]
    assert (account.merchant_id, account.status, account.revision) == (
        "1900000202", AccountStatus.SUBMITTED, 2)
    assert account_for(shop.id, "wechat") is None


def test_alipay_keeps_its_token_unless_the_user_id_changes(app, client, shop):
    alipay(app, client)
    approve(accounts(shop)["alipay"])
    kept = accounts(shop)["alipay"].auth_token_encrypted
    # Another user id needs its own grant.
    response = alipay(app, client, user_id="2088000000000202", token="", htmx=True)
    assert "请填写应用授权令牌" in assert_fragment(response, "payment-account-alipay", status=422)
    assert accounts(shop)["alipay"].status is AccountStatus.APPROVED
    # An empty token with the same user id keeps the kept one: nothing changed.
    alipay(app, client, token="")
    assert accounts(shop)["alipay"].auth_token_encrypted == kept
    assert accounts(shop)["alipay"].status is AccountStatus.APPROVED
    # A new token alone is a change.
    alipay(app, client, token="202602BBnewgrant00000202")
    account = accounts(shop)["alipay"]
    assert account.status is AccountStatus.SUBMITTED
    assert unseal(account.auth_token_encrypted) == "202602BBnewgrant00000202"


def test_the_merchant_sees_the_admins_note(app, client, shop):
    wechat(app, client)
    account = accounts(shop)["wechat"]
    account.status, account.review_note = AccountStatus.REJECTED, "子商户号与营业执照主体不符"
    db.session.commit()
    text = client.get(url(app, "merchants.payment_accounts")).text
    assert "未通过审核：子商户号与营业执照主体不符" in text and "已驳回" in text
    english = client.get(url(app, "merchants.payment_accounts"), headers=EN).text
    assert "Not approved: 子商户号与营业执照主体不符" in english
    # Correcting it sends it back for review, the old note gone.
    wechat(app, client, sub_mchid="1900000303")
    account = accounts(shop)["wechat"]
    assert (account.status, account.review_note) == (AccountStatus.SUBMITTED, "")


def test_seed_demo_gives_the_demo_shop_the_development_gateways_merchants(app):
    """make run's demo shop takes both channels online: its accounts are the development
    gateways' demo merchants, entered and approved as any shop's (audited)."""
    assert seed_demo() is True
    shop = db.session.scalar(select(Shop).where(Shop.handle == "fresh-fruit"))
    assert account_for(shop.id, "wechat") == WECHAT_SHOP
    assert account_for(shop.id, "alipay") == ALIPAY_SHOP
    assert sorted(db.session.scalars(select(AuditLog.action).where(
        AuditLog.subject_type == "shop_payment_account"))) == [
        "payment_account.approved"] * 2 + ["payment_account.submitted"] * 2
    # A demo database from before the accounts gets them from seed-demo, once.
    db.session.execute(delete(ShopPaymentAccount))
    db.session.commit()
    assert seed_demo() is False and seed_demo() is False
    assert account_for(shop.id, "alipay") == ALIPAY_SHOP
    assert db.session.scalar(select(func.count(ShopPaymentAccount.id))) == 2
