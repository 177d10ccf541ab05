"""A marketplace full of other people's things and intruders to try them with: what the victims
own that nobody else may read, a way to see that nothing changed (the committed rows before
and after a request), and for every route the victims' object to fill it with, its owner and
a valid form, shared by the access matrix, the CSRF sweep and the fuzzers."""
from __future__ import annotations

import functools
import io
from datetime import timedelta

from flask import g, url_for
from hypothesis import strategies as st
from sqlalchemy.pool import StaticPool

from tests.support.database import app_with_tables
from tests.support.factories import window_value
from tests.support.helpers import shown_now
from tests.support.images import jpeg_bytes, signature_data_url
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import utcnow
from webapp.orders.shown import of_quote

HERE = "110105"  # 北京市 朝阳区: the victims' district, and merchant B's
RECEIPT_CODE = "864209"  # every one of the victims' orders has it (the conftest sets it)
# Shop A's unpublished product carries it: the barcode scanner finds it for shop A only.
SHOP_A_BARCODE = "6901234567892"

# What the victims own that nobody else may read, and who else may (the intruder's key).
SECRETS = {
    "recipient": ("收件人秘密甲", set()),
    "recipient mobile": ("13700009999", set()),
    "address text": ("秘密路 77 号", set()),
    "buyer name": ("买家秘密甲", set()),
    "signer": ("签收人秘密", set()),
    "courier name": ("骑手秘密甲", set()),
    "unpublished product": ("未上架秘密商品", set()),
    "quote title": ("秘密报价商品", set()),
    "quote note": ("秘密报价备注", set()),
    "quote price": ("6543.21", set()),
    # Approved shops of the demand's district see open demands (and quote on them).
    "demand title": ("秘密需求标题", {"merchant"}),
    "demand description": ("秘密需求描述", {"merchant"}),
    # Reviewing real-name data is the admin's job.
    "legal name": ("法人秘密甲", {"admin"}),
    "pending legal name": ("待审法人秘密", {"admin"}),
    "ID number (masked)": ("1101**********002X", {"admin"}),
    "KYC mobile": ("13600008888", {"admin"}),
    # A shop's account at a channel: its merchant's, and the admins' who review it.
    "payment account": ("1900000101", {"admin"}),
    # What someone wrote when reporting a review: for the admins who decide on it.
    "review report note": ("举报秘密说明", {"admin"}),
    # The receipt code of every order of buyer A (tests/security/conftest.py): the buyer's only,
    # not the shop's nor the courier's, and never on a shared tracking link's page.
    "receipt code": (RECEIPT_CODE, set()),
    # An after-sales request: its buyer's, its shop's, and the platform's who may decide it.
    "after-sales note": ("售后秘密描述", {"admin"}),
    # A conversation's words: its buyer's and its shop's only (tests/support/chat.py).
    "chat message": ("聊天秘密内容", set()),
}

# Who tries: nobody, and one of each role owning none of the victims' things.
INTRUDERS = ("anonymous", "buyer", "merchant", "unapproved", "courier", "admin")


def leaks(response, intruder: str) -> list[str]:
    """The victims' secrets found in the response (body and headers) that `intruder` may not see."""
    text = response.get_data().decode("utf-8", "replace") + "\n" + str(response.headers)
    return [name for name, (secret, allowed) in SECRETS.items()
            if intruder not in allowed and secret in text]


def snapshot() -> dict:
    """Every committed row of every table, as one text per table (whatever a failed request left
    pending is dropped, as the session's teardown does in production)."""
    db.session.rollback()
    connection = db.session.connection().connection.driver_connection
    cursor = connection.cursor()
    try:
        # Most requests the suite sends are refused and write nothing: while the database's
        # write mark stands, its rows are the ones last read.
        mark = _write_mark(connection, cursor)
        if mark is not None and _LAST.get("mark") == mark:
            return _LAST["rows"]
        # One statement, worked out by the database: the suite takes two snapshots per request
        # it sends, and what matters is only whether a stored value changed. A query per table,
        # its rows brought into Python and compared there, was most of the suite's time.
        rows = dict(cursor.execute(_snapshot_sql(db.engine.dialect.name)).fetchall())
    finally:
        cursor.close()
    _LAST.update(mark=mark, rows=rows)
    return rows


# The last snapshot and the write mark it was read at.
_LAST: dict = {}


def _write_mark(connection, cursor) -> tuple | None:
    """A value that moves whenever a row of the app's database may have changed, or None where
    there is no such value. In-memory SQLite has one connection for the whole app, and SQLite
    counts every row any INSERT, UPDATE or DELETE on it touched (total_changes: rolled back or
    not, triggers and cascades included). PostgreSQL gives each transaction that writes a
    transaction id when it writes, and a snapshot's xmax is one past the last that ended: the
    count is the whole server's (a test in another lane moves it too, and the rows are then
    read again), but no write to this database can leave it where it was."""
    if isinstance(db.engine.pool, StaticPool):
        return ("sqlite", connection, connection.total_changes)
    if db.engine.dialect.name == "postgresql":
        (xmax,) = cursor.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())").fetchone()
        return ("postgresql", db.engine.url.render_as_string(), xmax)
    return None


@functools.cache
def _snapshot_sql(dialect: str) -> str:
    quote = db.engine.dialect.identifier_preparer.quote
    if dialect == "postgresql":
        # Each table's rows as text, sorted, hashed by the server.
        return " UNION ALL ".join(
            f"SELECT '{table.name}', md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), "
            f"'')) FROM {quote(table.name)} t" for table in db.metadata.sorted_tables)
    # SQLite: each row as its values' SQL literals (quote(): text escaped, bytes as hex), the
    # rows in key order, joined. Unchanged rows read in the same order give the same text.
    def rows(table) -> str:
        key = ", ".join(quote(c.name) for c in table.primary_key.columns) or "rowid"
        values = " || ',' || ".join(f"quote({quote(c.name)})" for c in table.columns)
        return (f"(SELECT group_concat({values}, char(10)) "
                f"FROM (SELECT * FROM {quote(table.name)} ORDER BY {key}))")

    return " UNION ALL ".join(f"SELECT '{table.name}', {rows(table)}"
                              for table in db.metadata.sorted_tables)


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def _config(base=TestConfig, **settings):
    return type("SecurityConfig", (base,), settings)


def security_app(request, tmp_path, **settings):
    """The app on in-memory SQLite, or on PostgreSQL with TEST_SUITE_DATABASE=postgresql (the
    second pass of .ci/run), as every app fixture."""
    for app in app_with_tables(_config(**settings), upload_dir=tmp_path / "uploads"):
        # Requests share the app context the fixture holds, and Flask-WTF caches the session's
        # CSRF token in `g`: forget it, or one client's token would be shown to the next.
        @app.teardown_request
        def forget_token(exc):
            g.pop("csrf_token", None)

        yield app


# An object in the URL: filled with the victims' thing whose action would succeed for its
# owner (see test_the_owner_may, which shows the fill is right).
OBJECTS = {
    "addresses.edit": lambda v: {"address_id": v.address.id},
    "addresses.make_default": lambda v: {"address_id": v.address_default.id},
    "addresses.delete": lambda v: {"address_id": v.address_delete.id},
    "cart.quantity": lambda v: {"item_id": v.cart_item.id},
    "cart.remove": lambda v: {"item_id": v.cart_item_remove.id},
    "catalog.edit": lambda v: {"product_id": v.unpublished.id},
    "catalog.publish": lambda v: {"product_id": v.unpublished.id},
    # Shop A's product with two variants (webapp/catalog/variants.py).
    "catalog.add_variant": lambda v: {"product_id": v.varied.id},
    "catalog.update_variant": lambda v: {"product_id": v.varied.id,
                                         "variant_id": v.variant_edit.id},
    "catalog.remove_variant": lambda v: {"product_id": v.varied.id,
                                         "variant_id": v.variant_remove.id},
    # The unpublished product: its page and photo are its merchant's only.
    "shops.product": lambda v: {"product_id": v.unpublished.id},
    "shops.product_photo": lambda v: {"product_id": v.unpublished.id},
    "orders.detail": lambda v: {"order_id": v.delivering.id},
    "orders.accept": lambda v: {"order_id": v.placed.id},
    "orders.refuse": lambda v: {"order_id": v.placed_refuse.id},
    "orders.cancel": lambda v: {"order_id": v.placed_cancel.id},
    "orders.assign": lambda v: {"order_id": v.accepted.id},
    "orders.hand_over": lambda v: {"order_id": v.pickup_hand_over.id},
    "orders.pick_up": lambda v: {"order_id": v.pickup_code.id},
    "orders.reschedule": lambda v: {"order_id": v.failed_reschedule.id},
    "orders.take_back": lambda v: {"order_id": v.failed_take_back.id},
    "orders.receive_return": lambda v: {"order_id": v.returned.id, "how": "restock"},
    "orders.paid": lambda v: {"order_id": v.to_pay.id},
    "orders.sign": lambda v: {"order_id": v.arrived_sign.id},
    "orders.signature": lambda v: {"order_id": v.completed.id},
    "orders.proof": lambda v: {"order_id": v.completed.id},
    "orders.live": lambda v: {"order_id": v.delivering.id},
    "orders.photo": lambda v: {"order_id": v.completed.id, "kind": "line",
                               "item_id": v.completed_line.id},
    "orders.checkout": lambda v: {"shop_id": v.shop_a.id},
    "delivery.detail": lambda v: {"order_id": v.delivering.id},
    "delivery.start": lambda v: {"order_id": v.dispatched.id},
    "delivery.arrive": lambda v: {"order_id": v.delivering.id},
    "delivery.fail": lambda v: {"order_id": v.delivering_fail.id},
    "delivery.pay_code": lambda v: {"order_id": v.door_code.id},
    "delivery.check_pay_code": lambda v: {"order_id": v.door_check.id},
    "demands.detail": lambda v: {"demand_id": v.demand.id},
    "demands.photo": lambda v: {"demand_id": v.demand.id},
    "demands.close": lambda v: {"demand_id": v.demand_close.id},
    "demands.quote": lambda v: {"demand_id": v.demand_quote.id},
    "demands.decline": lambda v: {"quote_id": v.quote.id},
    "demands.withdraw": lambda v: {"quote_id": v.quote_withdraw.id},
    "demands.edit_quote": lambda v: {"quote_id": v.quote_edit.id},
    "demands.checkout": lambda v: {"quote_id": v.quote_checkout.id},
    "admin.review": lambda v: {"application_id": v.pending[0].id},
    "admin.reveal": lambda v: {"application_id": v.pending[0].id},
    "admin.approve": lambda v: {"application_id": v.pending[0].id},
    "admin.reject": lambda v: {"application_id": v.pending[1].id},
    "admin.request_info": lambda v: {"application_id": v.pending[2].id},
    "admin.suspend": lambda v: {"shop_id": v.shop_x.id},
    "admin.reinstate": lambda v: {"shop_id": v.shop_suspended.id},
    "merchants.document": lambda v: {"application_id": v.application_a.id, "kind": "id_front"},
    "payments.pay_page": lambda v: {"order_id": v.awaiting.id},
    "payments.pay": lambda v: {"order_id": v.awaiting_pay.id},
    "payments.check": lambda v: {"order_id": v.awaiting_check.id},
    "admin.approve_account": lambda v: {"account_id": v.account_approve.id},
    "admin.reject_account": lambda v: {"account_id": v.account_reject.id},
    "admin.licence_review": lambda v: {"licence_id": v.licence_approve.id},
    "admin.approve_licence": lambda v: {"licence_id": v.licence_approve.id},
    "admin.reject_licence": lambda v: {"licence_id": v.licence_reject.id},
    "merchants.licence_photo": lambda v: {"licence_id": v.licence_a.id},
    "admin.send_refund": lambda v: {"refund_id": v.refund_failed.id},
    "reviews.new": lambda v: {"order_id": v.completed.id},
    "reviews.followup": lambda v: {"review_id": v.review.id},
    "reviews.reply": lambda v: {"review_id": v.review.id},
    "reviews.report": lambda v: {"review_id": v.review.id},
    "reviews.photo": lambda v: {"review_id": v.review.id, "index": 0},
    "reviews.fold": lambda v: {"review_id": v.review_reported.id},
    "reviews.dismiss": lambda v: {"review_id": v.review_reported.id},
    "reviews.unfold": lambda v: {"review_id": v.review_folded.id},
    "handover.sign_here": lambda v: {"order_id": v.arrived_handover.id},
    "handover.share": lambda v: {"order_id": v.delivering.id},
    # The shared tracking link's page is public (test_access_matrix.PUBLIC): filled with a link
    # buyer A shared for their order under way, whose page must show none of the secrets.
    "handover.track": lambda v: {"token": v.track_token},
    "handover.track_live": lambda v: {"token": v.track_token},
    "aftersales.new": lambda v: {"order_id": v.for_sale.id},
    "aftersales.detail": lambda v: {"request_id": v.after_sale.id},
    "aftersales.photo": lambda v: {"request_id": v.after_sale.id, "index": 0},
    "aftersales.agree": lambda v: {"request_id": v.as_agree.id},
    "aftersales.refuse": lambda v: {"request_id": v.as_refuse.id},
    "aftersales.receive": lambda v: {"request_id": v.as_receive.id},
    "aftersales.withdraw": lambda v: {"request_id": v.as_withdraw.id},
    "aftersales.escalate": lambda v: {"request_id": v.as_escalate.id},
    "aftersales.ship": lambda v: {"request_id": v.as_ship.id},
    "aftersales.admin_case": lambda v: {"request_id": v.as_decide.id},
    "aftersales.signature": lambda v: {"request_id": v.as_decide.id},
    "aftersales.decide": lambda v: {"request_id": v.as_decide.id},
    "aftersales.confirm_door_refund": lambda v: {"request_id": v.as_door.id},
    "chat.detail": lambda v: {"conversation_id": v.chat.id},
    "chat.send": lambda v: {"conversation_id": v.chat.id},
    "chat.photo": lambda v: {"conversation_id": v.chat.id, "message_id": v.chat_photo.id},
    # Opening one makes it: orders and a demand (quoted by shop A) with none yet.
    "chat.open_order_shop": lambda v: {"order_id": v.placed.id},
    "chat.open_order_courier": lambda v: {"order_id": v.arrived.id},
    "chat.open_demand": lambda v: {"demand_id": v.demand.id, "shop_id": v.shop_a.id},
    "notifications.read": lambda v: {"notification_id": v.notice},
    # Shop A's order ticket, its last print, and printing it again (shop A's printer is set).
    "tickets.ticket": lambda v: {"order_id": v.delivering.id},
    "tickets.status": lambda v: {"order_id": v.delivering.id},
    "tickets.print_again": lambda v: {"order_id": v.delivering.id},
}

# Who owns each object (the control), and which intruders may still use the route, and why.
OWNER = {
    "notifications.read": "buyer_a",
    **{e: "merchant_a" for e in ("tickets.ticket", "tickets.status", "tickets.print_again")},
    **{e: "buyer_a" for e in ("addresses.edit", "addresses.make_default", "addresses.delete",
                              "cart.quantity", "cart.remove", "orders.cancel", "orders.sign",
                              "orders.checkout", "demands.close", "demands.decline",
                              "demands.checkout", "payments.pay_page", "payments.pay",
                              "payments.check")},
    **{e: "merchant_a" for e in ("catalog.edit", "catalog.publish", "catalog.add_variant",
                                 "catalog.update_variant", "catalog.remove_variant",
                                 "shops.product",
                                 "shops.product_photo", "orders.accept", "orders.refuse",
                                 "orders.assign", "orders.hand_over", "orders.pick_up",
                                 "orders.paid", "orders.signature",
                                 "orders.proof", "orders.photo", "orders.live",
                                 "demands.withdraw", "demands.edit_quote",
                                 "merchants.document")},
    **{e: "courier_a" for e in ("orders.detail", "delivery.detail", "delivery.start",
                                "delivery.arrive", "delivery.fail", "delivery.pay_code",
                                "delivery.check_pay_code")},
    **{e: "buyer_a" for e in ("demands.detail", "demands.photo")},
    **{e: "admin" for e in ("admin.review", "admin.reveal", "admin.approve", "admin.reject",
                            "admin.request_info", "admin.suspend", "admin.reinstate",
                            "admin.approve_account", "admin.reject_account",
                            "admin.licence_review", "admin.approve_licence",
                            "admin.reject_licence")},
    "merchants.licence_photo": "merchant_a",
    "admin.send_refund": "admin",
    **{e: "buyer_a" for e in ("reviews.new", "reviews.followup", "reviews.photo")},
    "reviews.reply": "merchant_a",
    "reviews.report": "buyer",
    **{e: "admin" for e in ("reviews.fold", "reviews.dismiss", "reviews.unfold")},
    "handover.sign_here": "courier_a",
    **{e: "buyer_a" for e in ("handover.share", "handover.track", "handover.track_live")},
    **{e: "buyer_a" for e in ("aftersales.new", "aftersales.detail", "aftersales.photo",
                              "aftersales.withdraw", "aftersales.escalate", "aftersales.ship")},
    **{e: "merchant_a" for e in ("aftersales.agree", "aftersales.refuse", "aftersales.receive",
                                 "aftersales.confirm_door_refund")},
    **{e: "admin" for e in ("aftersales.admin_case", "aftersales.signature", "aftersales.decide")},
    "demands.quote": "merchant",
    "orders.reschedule": "buyer_a",
    **{e: "merchant_a" for e in ("orders.take_back", "orders.receive_return")},
    **{e: "buyer_a" for e in ("chat.detail", "chat.send", "chat.photo", "chat.open_order_shop",
                              "chat.open_order_courier", "chat.open_demand")},
}


def local_in(delta: timedelta) -> str:
    """A datetime-local input's value `delta` from now."""
    from webapp.demands.forms import to_local

    return to_local(utcnow() + delta).strftime("%Y-%m-%dT%H:%M")


def _quote_form(v):
    local = local_in
    return {"product_id": "", "item_title": "报价", "unit_price": "12.50", "quantity": "2",
            "delivery_fee": "0", "earliest_delivery": local(timedelta(hours=3)),
            "valid_until": local(timedelta(hours=20)), "note": ""}


def _quote_checkout(app, v):
    from webapp.demands.forms import quote_windows

    with app.test_request_context():
        window = quote_windows(v.quote_checkout)[0].value
    return {"address_id": str(v.address.id), "window": window, "payment_method": "cod",
            "note": "", "idempotency_key": "c" * 32, "shown": of_quote(v.quote_checkout).text()}


FORMS = {
    "addresses.edit": lambda app, v: {
        "contact_name": "改名", "mobile": "13912345678", "province": "11", "city": "1101",
        "district": "110105", "street": "改过的路 1 号"},
    "cart.quantity": lambda app, v: {"quantity": "3"},
    "catalog.edit": lambda app, v: {"title": "改过的标题", "category": "produce",
                                    "price": "9.90", "stock": "5", "stock_seen": "5"},
    "catalog.publish": lambda app, v: {"published": "1"},
    "catalog.add_variant": lambda app, v: {"new-name": "2kg", "new-price": "35.00",
                                           "new-stock": "3", "new-low_stock_at": "1"},
    "catalog.update_variant": lambda app, v: {
        f"v{v.variant_edit.id}-name": "半斤", f"v{v.variant_edit.id}-price": "8.80",
        f"v{v.variant_edit.id}-stock": "6", f"v{v.variant_edit.id}-stock_seen": "3",
        f"v{v.variant_edit.id}-barcode": "6901234567892"},
    "catalog.remove_variant": lambda app, v: {},
    "orders.refuse": lambda app, v: {"reason": "缺货"},
    "orders.cancel": lambda app, v: {"reason": "不想要了"},
    "orders.assign": lambda app, v: {"courier_id": str(v.courier_a.id)},
    "orders.pick_up": lambda app, v: {"code": v.pickup_code.receipt_code},
    "orders.reschedule": lambda app, v: {"window": window_value(app, v.shop_a)},
    "orders.sign": lambda app, v: {"signer_name": "张三", "signature": signature_data_url()},
    "orders.checkout": lambda app, v: {
        "address_id": str(v.address.id), "window": window_value(app, v.shop_a),
        "payment_method": "cod", "note": "", "idempotency_key": "d" * 32,
        "shown": shown_now(app, v.buyer_a.id, v.shop_a)},
    "delivery.fail": lambda app, v: {"reason": "absent"},
    "handover.sign_here": lambda app, v: {"code": RECEIPT_CODE, "signer_name": "签收人秘密",
                                          "signature": signature_data_url()},
    "payments.pay": lambda app, v: {"channel": "wechat", "kind": "qr"},
    "demands.quote": lambda app, v: _quote_form(v),
    "demands.edit_quote": lambda app, v: _quote_form(v),
    "demands.checkout": _quote_checkout,
    "admin.reject": lambda app, v: {"note_legal_name": "姓名与证件不符", "comment": "请核对"},
    "admin.request_info": lambda app, v: {"note_id_front": "照片不清楚", "comment": ""},
    "admin.suspend": lambda app, v: {"reason": "违规"},
    "admin.approve_account": lambda app, v: {"revision": "1", "note": ""},
    "admin.reject_account": lambda app, v: {"revision": "1", "note": "账户不属于该店铺"},
    "admin.approve_licence": lambda app, v: {},
    "admin.reject_licence": lambda app, v: {"note_number": "编号与照片不一致"},
    "reviews.new": lambda app, v: {"goods": "5", "delivery": "4", "service": "5", "text": "很好"},
    "reviews.followup": lambda app, v: {"text": "用了一周还不错"},
    "reviews.reply": lambda app, v: {"text": "谢谢惠顾"},
    "reviews.report": lambda app, v: {"reason": "ad", "note": ""},
    "reviews.fold": lambda app, v: {"reason": "abuse"},
    "aftersales.new": lambda app, v: {
        "kind": "refund_only", "reason": "quality", "note": "", "idempotency_key": "a" * 32,
        f"qty-{v.for_sale_line.id}": "1"},
    "aftersales.refuse": lambda app, v: {"note": "商品完好，不同意"},
    "aftersales.escalate": lambda app, v: {"note": "请平台介入"},
    "aftersales.ship": lambda app, v: {"note": "顺丰 SF1234567890"},
    "aftersales.decide": lambda app, v: {"ruling": "buyer", "note": "照片显示商品破损"},
    "aftersales.confirm_door_refund": lambda app, v: {"method": "cash", "note": "当面退还"},
    "chat.send": lambda app, v: {"body": "你好"},
}


def rules(app):
    return [rule for rule in app.url_map.iter_rules()]


def path_for(app, endpoint: str, values: dict) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


# Who sends the routes without an object in the URL, and a form that would go through.
SENDERS = {
    "auth.login": ("anonymous", lambda v: {"login": v.buyer_a.email, "password": "password123"}),
    "auth.register": ("anonymous", lambda v: {
        "role": "buyer", "display_name": "新人", "email": "new@example.com",
        "password": "fresh-pass-2026", "confirm": "fresh-pass-2026",
        "consent": "y"}),
    # Asking for a code (action=send): to a new number for signing up; for the rest to the
    # number of shop B's courier, as its shop typed it.
    "auth.phone_register": ("anonymous", lambda v: {
        "action": "send", "mobile": "13812340001", "role": "buyer", "display_name": "新人"}),
    "auth.code_login": ("anonymous", lambda v: {"action": "send", "mobile": v.courier.mobile}),
    "auth.reset_password": ("anonymous", lambda v: {"action": "send", "mobile": v.courier.mobile}),
    "auth.logout": ("buyer_a", lambda v: {}),
    "notifications.read_all": ("buyer_a", lambda v: {}),
    "notifications.preferences": ("buyer_a", lambda v: {"push-order_accepted": "on"}),
    "notifications.subscribe": ("buyer_a", lambda v: {
        "endpoint": "https://fcm.googleapis.com/fcm/send/victim", "p256dh": "BPk", "auth": "a"}),
    "notifications.unsubscribe": ("buyer_a", lambda v: {
        "endpoint": "https://fcm.googleapis.com/fcm/send/victim"}),
    "me.profile": ("buyer_a", lambda v: {"display_name": "新昵称"}),
    "me.password": ("buyer_a", lambda v: {"current": "password123", "password": "fresh-pass-2026",
                                          "confirm": "fresh-pass-2026"}),
    # Courier B, who has nothing open (buyer A's orders would refuse it) and, sorted after it,
    # sends or owns nothing else.
    "me.delete": ("courier", lambda v: {"password": "password123", "confirmation": "注销"}),
    # A code asked for a number no one holds; an email no one has (the password is buyer A's).
    "me.mobile": ("buyer_a", lambda v: {"action": "send", "mobile": "13912340002"}),
    "me.email": ("buyer_a", lambda v: {"email": "fresh-a@example.com", "password": "password123"}),
    "i18n.switch": ("anonymous", lambda v: {"code": "en", "next": "/"}),
    "addresses.new": ("buyer_a", lambda v: {
        "contact_name": "李四", "mobile": "13912345678", "province": "11", "city": "1101",
        "district": "110105", "street": "新路 2 号"}),
    "cart.add": ("buyer_a", lambda v: {"product_id": str(v.product_2.id), "quantity": "1"}),
    "catalog.products": ("merchant_a", lambda v: {"title": "新商品", "category": "produce",
                                                  "price": "3.50", "stock": "4"}),
    "demands.new": ("buyer_a", lambda v: {
        "title": "要一箱苹果", "category": "produce", "quantity": "1", "province": "11",
        "city": "1101", "district": "110105", "needed_by": local_in(timedelta(days=1)),
        "idempotency_key": "e" * 32}),
    "merchants.apply": ("unapproved", lambda v: {"legal_name": "王五", "action": "draft"}),
    "merchants.couriers": ("merchant_a", lambda v: {
        "display_name": "新骑手", "mobile": "13812345678", "password": "courier-pass-2026"}),
    "merchants.shop_settings": ("merchant_a", lambda v: {"name": "改名的店"}),
    "merchants.licences_page": ("merchant_a", lambda v: {
        "kind": "drug", "number": "YP11000000001", "expires_on": "2031-05-31",
        "photo": (Reposted(jpeg_bytes()), "licence.jpg")}),
    "merchants.shop_phone": ("merchant_a", lambda v: {"public_phone": "010 1234 5678",
                                                      "phone_shown": "y"}),
    "merchants.payment_accounts": ("merchant_a", lambda v: {
        "channel": "alipay", "user_id": "2088000000000303",
        "app_auth_token": "202601BBvictimgrant0303"}),
    "admin.synonyms": ("admin", lambda v: {"produce": "土豆 马铃薯\n番茄 西红柿"}),
    "tickets.printer": ("merchant_a", lambda v: {
        "host": "printer.lan", "port": "9101", "paper_mm": "80", "auto_print": "y"}),
    "tickets.test_print": ("merchant_a", lambda v: {}),
    "merchants.delivery_settings": ("merchant_a", lambda v: {
        "slots": "9-11", "delivery_days": "3", "delivery_lead_minutes": "60",
        "delivery_fee": "5"}),
    "merchants.hours_settings": ("merchant_a", lambda v: {
        "day0": "09:00-21:00", "day5": "10:00-14:00,17:00-24:00", "closed_days": "2027-02-10",
        "prep_minutes": "10", "busy_extra_minutes": "25", "busy_auto_orders": "8",
        "auto_accept": "y", "lat": "39.9", "lng": "116.4"}),
    "merchants.busy": ("merchant_a", lambda v: {"busy": "on"}),
}


class Reposted(io.BytesIO):
    """A file for a form the tests post more than once (with and without htmx): the test client
    closes what it sent, this one is rewound instead."""

    def close(self):
        self.seek(0)


NUMBERS = ["0", "-1", "-0", "1.5", "12.345", "0.001", "1e309", "-1e309", "NaN", "inf",
           "-Infinity", "9" * 40, str(2**31), str(2**63), str(-(2**63) - 1), "1,000", "¥5",
           " 7 ", "0x10", "１２"]

# Times at the ends of what datetime holds, which some zones cannot move to UTC.
FAR_TIMES = ["0001-01-01T00:00", "9999-12-31T23:59", "0001-01-01", "9999-12-31", "10000-01-01T00:00"]
# The browser's time zone cookie: none, the ends of the offsets, one with clock changes, a bad one.
TZ_COOKIES = [None, "Pacific/Kiritimati", "Etc/GMT+12", "America/New_York", "No/Such_Zone", "../../x"]

NASTY = ["", " ", "' OR 1=1 --", "1; DROP TABLE user; --", "<script>alert(1)</script>",
         "{{7*7}}", "../../etc/passwd", "%00", "\u202e\u0646", "😀" * 50, "汉" * 5000,
         "A" * 20_000, "true", "on", "null", "[]", "{}", "2099-13-40T25:61",
         "1970-01-01T00:00", "2099-01-01T10:00", "\r\n", "\t", *FAR_TIMES]

# Roughly one value in five has a NUL byte, which PostgreSQL cannot store in text.
HOSTILE_TEXT = st.one_of(
    st.sampled_from(NUMBERS),
    st.sampled_from(NASTY),
    st.text(max_size=20).map(lambda s: f"{s}\x00{s}"),
    st.text(max_size=40),
    st.one_of(st.integers().map(str), st.floats(allow_nan=True, allow_infinity=True).map(str)),
)
