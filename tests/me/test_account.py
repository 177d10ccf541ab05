"""我的: the pages in both languages, the profile, a password change, and account deletion (what is
refused, what is erased, what stays, and that the person can no longer be found)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, or_, select

from tests.support.helpers import HX, assert_page, url
from webapp.auth import codes
from webapp.auth import services as auth
from webapp.extensions import db
from webapp.i18n import COOKIE
from webapp.me.deletion import DELETED_NAME
from webapp.models import (
    Address,
    AuditLog,
    CartItem,
    Notification,
    Order,
    ProofOfDelivery,
    PushSubscription,
    Review,
    Role,
    Shop,
    ShopStatus,
    Status,
    User,
)
from webapp.models.sms_code import SmsCode
from webapp.reviews import services as reviews
from webapp.sms.kinds import CodePurpose

PASSWORD = "password123"  # tests/support/factories.new_user's

PAGES = [("me.index", "我的", "Me"), ("me.password", "修改密码", "Change password"),
         ("me.delete", "注销账号", "Delete account"), ("me.privacy", "隐私政策", "Privacy policy")]


@pytest.mark.parametrize("role", ["buyer", "merchant", "courier", "admin"])
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_pages_for_every_role_in_both_languages(app, client, login_as, world, role, lang):
    login_as(getattr(world, role))
    client.set_cookie(COOKIE, lang)
    for endpoint, chinese, english in PAGES:
        text = assert_page(client.get(url(app, endpoint)))
        assert (english if lang == "en" else chinese) in text, endpoint
    page = client.get(url(app, "me.index")).text
    assert getattr(world, role).display_name in page
    assert (url(app, "addresses.index") in page) is (role == "buyer")
    assert url(app, "notifications.preferences") in page
    assert 'href="/me"' in client.get(url(app, "shops.index")).text  # the nav's 我的


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_privacy_policy_is_public_and_names_what_is_kept(app, client, lang):
    client.set_cookie(COOKIE, lang)
    text = assert_page(client.get(url(app, "me.privacy")))
    words = (["手机号", "收货地址", "订单记录", "签收凭证", "你上传的照片", "与商家、骑手的聊天",
              "三年", "注销账号"] if lang == "zh_CN" else
             ["mobile", "addresses", "Order records", "Proof of delivery", "Photos you upload",
              "Chat with shops", "three years", "Delete account"])
    for word in words:
        assert word in text, word


def test_the_me_pages_need_a_login(app, client):
    for endpoint in ("me.index", "me.password", "me.delete"):
        response = client.get(url(app, endpoint))
        assert response.status_code == 302 and "/auth/login" in response.location


def test_renaming(app, client, login_as, world):
    login_as(world.buyer)
    refused = client.post(url(app, "me.profile"), data={"display_name": " "}, headers=HX)
    assert refused.status_code == 422 and "请输入昵称" in refused.text
    done = client.post(url(app, "me.profile"), data={"display_name": " 新名字 "}, headers=HX)
    assert done.status_code == 204 and done.headers["HX-Redirect"] == "/me"
    db.session.expire_all()
    assert db.session.get(User, world.buyer.id).display_name == "新名字"


def test_a_password_change_needs_the_current_one_and_ends_other_sessions(
        app, client, login_as, as_party, world):
    buyer = login_as(world.buyer)
    elsewhere = as_party(buyer)
    before = buyer.password_hash
    form = {"current": "wrong-one-2026", "password": "brand-new-2026", "confirm": "brand-new-2026"}
    refused = client.post(url(app, "me.password"), data=form, headers=HX)
    assert refused.status_code == 422 and "当前密码不正确" in refused.text
    db.session.expire_all()
    assert db.session.get(User, buyer.id).password_hash == before
    assert elsewhere.get(url(app, "me.index")).status_code == 200

    done = client.post(url(app, "me.password"), data={**form, "current": PASSWORD}, headers=HX)
    assert done.status_code == 204
    assert client.get(url(app, "me.index")).status_code == 200  # this session goes on
    assert elsewhere.get(url(app, "me.index")).status_code == 302  # the other one has ended
    assert auth.authenticate(buyer.email, PASSWORD) is None
    assert auth.authenticate(buyer.email, "brand-new-2026").id == buyer.id


def _delete(app, client, password=PASSWORD, confirmation="注销"):
    return client.post(url(app, "me.delete"), headers=HX,
                       data={"password": password, "confirmation": confirmation})


def _tables():
    db.session.expire_all()
    return [db.session.scalar(select(func.count()).select_from(m))
            for m in (User, Address, CartItem, Order, Shop, AuditLog)]


@pytest.mark.parametrize("who, status, says", [
    ("buyer", Status.PLACED, "未完成的订单：1 个"),
    ("buyer", Status.DELIVERY_FAILED, "未完成的订单：1 个"),
    ("courier", Status.DELIVERING, "未完成的配送：1 个"),
    ("merchant", Status.ARRIVED, "店铺未完成的订单：1 个"),
])
def test_deletion_is_refused_while_something_is_open(app, client, login_as, world, advance,
                                                     who, status, says):
    advance(status)
    login_as(getattr(world, who))
    assert says in client.get(url(app, "me.delete")).text
    before = _tables()
    refused = _delete(app, client)
    assert refused.status_code == 409 and says in refused.text
    assert _tables() == before
    assert db.session.get(User, getattr(world, who).id).active


@pytest.mark.parametrize("password, confirmation, says", [
    ("wrong-one-2026", "注销", "当前密码不正确"), (PASSWORD, "删除", "请输入“注销”确认"),
    (PASSWORD, "", "请输入“注销”确认")])
def test_deletion_needs_the_password_and_the_typed_word(app, client, login_as, world,
                                                       password, confirmation, says):
    login_as(world.buyer)
    before = _tables()
    refused = _delete(app, client, password, confirmation)
    assert refused.status_code == 422 and says in refused.text
    assert _tables() == before


def test_a_deleted_buyer_is_erased_and_the_records_stay(app, client, login_as, as_party, world,
                                                        advance, make_address, add_to_cart):
    buyer = world.buyer
    buyer.display_name, buyer.mobile = "王小明", "+8613700001111"
    db.session.add_all([
        Notification(user_id=buyer.id, kind="order_signed", params={"order": 1}, url="/orders/1"),
        PushSubscription(user_id=buyer.id, endpoint="https://push.example/王小明", p256dh="k",
                         auth="a")])
    db.session.commit()
    codes.issue("+8613700001111", CodePurpose.LOGIN)
    email = buyer.email
    make_address(buyer, contact_name="王小明", mobile="13700001111")
    order = advance(Status.COMPLETED)
    reviews.post_review(buyer, order.id, reviews.Scores(5, 5, 5), "很新鲜")
    add_to_cart(buyer, world.product)
    login_as(buyer)
    elsewhere = as_party(buyer)
    assert "王**" in client.get(url(app, "reviews.shop", handle=world.shop.handle)).text

    done = _delete(app, client, confirmation="DELETE")  # the English word is taken too
    assert done.status_code == 204 and done.headers["HX-Redirect"].startswith("/?")

    db.session.expire_all()
    user = db.session.get(User, buyer.id)
    assert (user.display_name, user.email, user.mobile, user.password_hash, user.active) == (
        DELETED_NAME, None, None, "", False)
    assert user.deleted_at is not None
    # Found nowhere by name, email or mobile: users, addresses, orders, reviews' author.
    for value in (email, "+8613700001111", "王小明"):
        assert db.session.scalar(select(func.count(User.id)).where(or_(
            User.email == value, User.mobile == value, User.display_name == value))) == 0
        assert db.session.scalar(select(func.count(Address.id)).where(or_(
            Address.mobile == value, Address.contact_name == value))) == 0
        assert db.session.scalar(select(func.count(Order.id)).where(or_(
            Order.recipient_mobile == value, Order.recipient_name == value))) == 0
        assert auth.find_by_login(value) is None
    assert db.session.scalar(select(func.count(Address.id)).where(Address.user_id == buyer.id)) == 0
    for model in (CartItem, Notification, PushSubscription):
        assert db.session.scalar(select(func.count()).select_from(model).where(
            model.user_id == buyer.id)) == 0, model
    assert db.session.scalar(select(func.count(SmsCode.id))) == 0
    shop_reviews = as_party(world.other_buyer).get(url(app, "reviews.shop", handle=world.shop.handle))
    assert "王**" not in shop_reviews.text and "很新鲜" in shop_reviews.text
    # The records stay: the order, its proof (whose digest still verifies), the review.
    kept = db.session.get(Order, order.id)
    assert (kept.status, kept.buyer_id, kept.recipient_name) == (Status.COMPLETED, buyer.id,
                                                                  DELETED_NAME)
    assert db.session.scalar(select(ProofOfDelivery).where(ProofOfDelivery.order_id == order.id))
    merchant = as_party(world.merchant)
    assert "数字指纹一致" in merchant.get(url(app, "orders.proof", order_id=order.id)).text
    assert db.session.scalar(select(Review).where(Review.order_id == order.id)).buyer_id == buyer.id
    # No way back in: every session ended, the login refused.
    for session in (client, elsewhere):
        assert session.get(url(app, "me.index")).status_code == 302
    assert auth.authenticate(email, PASSWORD) is None
    login = client.post(url(app, "auth.login"), data={"login": email, "password": PASSWORD})
    assert login.status_code == 422
    # Audited without anything personal.
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "account.deleted"))
    assert (entry.actor_id, entry.subject_id) == (buyer.id, buyer.id)
    assert entry.detail == {"role": "buyer", "shop_closed": False}


def test_a_deleted_merchant_s_shop_is_closed_and_hidden(app, client, login_as, as_party, world,
                                                        advance):
    advance(Status.COMPLETED)  # finished business does not stop it
    shop = world.shop
    login_as(world.merchant)
    assert _delete(app, client).status_code == 204
    db.session.expire_all()
    assert db.session.get(Shop, shop.id).status is ShopStatus.CLOSED
    visitor = as_party(world.other_buyer)
    assert visitor.get(url(app, "shops.detail", handle=shop.handle)).status_code == 404
    found = visitor.get(url(app, "search.index", q=shop.name)).text
    assert f"/s/{shop.handle}" not in found
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "account.deleted"))
    assert entry.detail == {"role": "merchant", "shop_closed": True}


def test_the_last_admin_cannot_delete_the_account(app, client, login_as, world):
    login_as(world.admin)
    refused = _delete(app, client)
    assert refused.status_code == 409 and "唯一的管理员" in refused.text
    assert world.admin.role is Role.ADMIN and db.session.get(User, world.admin.id).active


def test_an_account_without_a_password_sets_one_by_sms_code_first(app, client, login_as, world):
    """A phone account may have no password: changing it or deleting the account asks for one,
    so the pages send it to the SMS reset first, and a post is refused."""
    world.buyer.password_hash = ""
    db.session.commit()
    login_as(world.buyer)
    assert "设置密码" in client.get(url(app, "me.index")).text
    for endpoint in ("me.password", "me.delete"):
        text = client.get(url(app, endpoint)).text
        assert "还没有设置密码" in text and url(app, "auth.reset_password") in text
    refused = _delete(app, client, password="")
    assert refused.status_code == 422
    assert db.session.get(User, world.buyer.id).active


def test_a_deleted_courier_leaves_the_shop_s_list_of_couriers(app, client, login_as, as_party,
                                                               world):
    merchant = as_party(world.merchant)
    name = world.courier.display_name
    assert name in merchant.get(url(app, "merchants.couriers")).text
    login_as(world.courier)
    assert _delete(app, client).status_code == 204
    shop_page = merchant.get(url(app, "merchants.couriers")).text
    assert name not in shop_page and DELETED_NAME not in shop_page
