"""Reviews' pages (issue 19), through the routes: the order page offers the review only once
signed; the form posts three scores, words and a photo (a second post refused, bad input kept
with its message); the follow-up and the reply, once each, as htmx fragments and as pages; the
shop's list, newest first, a page at a time; reporting; the admin's queue, fold and unfold, in
both languages."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from tests.support.factories import one_world_per_module
from tests.support.helpers import HX
from tests.support.images import jpeg_bytes
from tests.support.orders import words
from tests.support.paged import walk
from tests.support.reviews import review, signed
from webapp.extensions import db
from webapp.models import Review, Status
from webapp.reviews import queries

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

CARD = r'id="review-(\d+)"'


def with_strawberries(world, make_product):
    world.second = make_product(world.shop, title="草莓", price_fen=800, stock=10_000)


# One app and database for the module; each case makes its own orders in it.
app, world = one_world_per_module(extra=with_strawberries)


def form_of(page: str) -> dict:
    return {"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]}


@pytest.mark.parametrize("status, offered", [
    (Status.DELIVERING, False), (Status.ARRIVED, False), (Status.REFUSED, False),
    (Status.COMPLETED, True), (Status.PARTIALLY_REFUSED, True)])
def test_the_order_page_offers_the_review_once_signed(app, world, as_party, status, offered):
    order = signed(app, world, status)
    page = as_party(world.buyer).get(f"/orders/{order.id}").text
    assert ("评价这个订单" in page) is offered
    assert "评价这个订单" not in as_party(world.merchant).get(f"/orders/{order.id}").text
    form = as_party(world.buyer).get(f"/reviews/orders/{order.id}/new")
    assert form.status_code == (200 if offered else 409)
    if not offered:
        assert "签收后才能评价这个订单" in form.text


def test_a_review_with_a_photo_then_its_follow_up(app, world, as_party):
    order = signed(app, world)
    buyer = as_party(world.buyer)
    page = buyer.get(f"/reviews/orders/{order.id}/new").text
    assert "评价订单" in page and 'enctype="multipart/form-data"' in page
    data = {**form_of(page), "goods": "5", "delivery": "4", "service": "3", "text": "很甜，送得快",
            "photos": [(io.BytesIO(jpeg_bytes()), "a.jpg")]}
    answer = buyer.post(f"/reviews/orders/{order.id}/new", data=data,
                        content_type="multipart/form-data")
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/orders/{order.id}")
    made = db.session.scalars(select(Review).where(Review.order_id == order.id)).one()
    assert (made.goods_score, made.delivery_score, made.service_score, len(made.photos)) == (
        5, 4, 3, 1)
    photo = buyer.get(f"/reviews/{made.id}/photos/0")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert "public" in photo.headers["Cache-Control"]
    photo.close()  # a sent file stays open until then
    assert app.test_client().get(f"/reviews/{made.id}/photos/1").status_code == 404
    # The same post again: refused, one review.
    again = buyer.post(f"/reviews/orders/{order.id}/new", data={**data, "photos": []})
    assert again.status_code == 409 and "只能评价一次" in again.text
    shown = words(buyer.get(f"/orders/{order.id}").text)
    assert "我的评价" in shown and "很甜，送得快" in shown and "✔ 验货签收" in shown
    # The follow-up, as htmx: the card comes back with it and no form; a second is refused.
    page = buyer.get(f"/orders/{order.id}").text
    answer = buyer.post(f"/reviews/{made.id}/followup", data={**form_of(page), "text": "吃完了，都很好"},
                        headers=HX)
    assert answer.status_code == 200 and "追评已发布" in answer.text
    assert "吃完了，都很好" in answer.text and 'name="text"' not in answer.text
    second = buyer.post(f"/reviews/{made.id}/followup", data={**form_of(page), "text": "再来"},
                        headers=HX)
    assert second.status_code == 409 and "只能追评一次" in second.text


@pytest.mark.parametrize("data, field, message", [
    ({"delivery": "4", "service": "5"}, "goods", "请为这一项打分"),
    ({"goods": "6", "delivery": "4", "service": "5"}, "goods", "Not a valid choice"),
    ({"goods": "5", "delivery": "4", "service": "5", "text": "长" * 501}, "text", "500"),
])
def test_a_refused_form_keeps_what_was_typed(app, world, as_party, data, field, message):
    order = signed(app, world)
    buyer = as_party(world.buyer)
    page = buyer.get(f"/reviews/orders/{order.id}/new").text
    answer = buyer.post(f"/reviews/orders/{order.id}/new", data={**form_of(page), **data},
                        headers={"Accept-Language": "en"} if "Not" in message else {})
    assert answer.status_code == 422 and message in answer.text
    assert f'id="{field}-error"' in answer.text
    assert re.search(r'<input checked id="delivery-3" name="delivery"[^>]*value="4">',
                     answer.text)  # the scores given stay chosen
    assert db.session.scalar(select(Review.id).where(Review.order_id == order.id)) is None


def test_four_photos_are_refused(app, world, as_party):
    order = signed(app, world)
    buyer = as_party(world.buyer)
    page = buyer.get(f"/reviews/orders/{order.id}/new").text
    data = {**form_of(page), "goods": "5", "delivery": "5", "service": "5",
            "photos": [(io.BytesIO(jpeg_bytes()), f"{n}.jpg") for n in range(4)]}
    answer = buyer.post(f"/reviews/orders/{order.id}/new", data=data,
                        content_type="multipart/form-data")
    assert answer.status_code == 422 and "最多上传 3 张照片" in answer.text


def test_the_shop_replies_once_from_its_reviews_page(app, world, as_party):
    made = review(world, signed(app, world), text="要回复的评价")
    merchant = as_party(world.merchant)
    page = merchant.get("/reviews/mine").text
    assert f'id="review-{made.id}"' in page and "店铺评价" in page
    answer = merchant.post(f"/reviews/{made.id}/reply", data={**form_of(page), "text": ""},
                           headers=HX)
    assert answer.status_code == 422 and "请写下回复内容" in answer.text
    answer = merchant.post(f"/reviews/{made.id}/reply",
                           data={**form_of(page), "text": "谢谢，欢迎再来"}, headers=HX)
    assert answer.status_code == 200 and "回复已发布" in answer.text
    shop_page = words(app.test_client().get(f"/s/{world.shop.handle}").text)
    assert "要回复的评价" in shop_page and "店铺回复" in shop_page and "谢谢，欢迎再来" in shop_page
    again = merchant.post(f"/reviews/{made.id}/reply", data={**form_of(page), "text": "再回复"})
    assert again.status_code == 409 and "只能回复一次" in again.text


def test_the_shop_s_reviews_come_newest_first_a_page_at_a_time(app, world, client):
    made = [review(world, signed(app, world), text=f"第 {n} 条") for n in range(12)]
    ids, texts = walk(client, f"/reviews/shops/{world.shop.handle}", CARD)
    listed = [i for i in ids if i in {r.id for r in made}]
    assert listed == [r.id for r in reversed(made)] and len(texts) >= 2
    assert len(set(ids)) == len(ids)
    english = words(client.get(f"/reviews/shops/{world.shop.handle}",
                               headers={"Accept-Language": "en"}).text)
    assert f"Reviews of {world.shop.name}" in english and "Goods" in english


def test_report_fold_and_unfold_through_the_pages(app, world, as_party):
    made = review(world, signed(app, world), text="不当内容")
    reporter = as_party(world.other_buyer)
    page = reporter.get(f"/reviews/{made.id}/report").text
    assert "举报评价" in page and "不当内容" in page
    answer = reporter.post(f"/reviews/{made.id}/report",
                           data={**form_of(page), "reason": "abuse", "note": "骂人"})
    assert answer.status_code == 303
    admin = as_party(world.admin)
    queue = admin.get("/reviews/reports").text
    assert f'id="review-{made.id}"' in queue and "骂人" in queue
    assert "辱骂、歧视或人身攻击" in queue
    english = admin.get("/reviews/reports", headers={"Accept-Language": "en"}).text
    assert "Abuse, discrimination or personal attacks" in english and "Fold" in english
    answer = admin.post(f"/reviews/{made.id}/fold", data={**form_of(queue), "reason": "abuse"},
                        headers=HX)
    assert answer.status_code == 200 and "已折叠这条评价" in answer.text
    shop = app.test_client().get(f"/reviews/shops/{world.shop.handle}").text
    card = shop[shop.index(f'id="review-{made.id}"'):]
    card = card[:card.index("</li>")]
    assert '<details class="review-fold"><summary>已折叠：辱骂、歧视或人身攻击</summary>' in card
    assert "不当内容" in card  # still there, behind the fold
    assert f'id="review-{made.id}"' in admin.get("/reviews/reports?view=folded").text
    answer = admin.post(f"/reviews/{made.id}/unfold", data=form_of(queue), headers=HX)
    assert answer.status_code == 200 and "已取消折叠" in answer.text
    assert not queries.one(db.session.get(Review, made.id)).review.folded
    missing = admin.post(f"/reviews/{made.id}/fold", data=form_of(queue), headers=HX)
    assert missing.status_code == 422 and "请选择折叠原因" in missing.text
