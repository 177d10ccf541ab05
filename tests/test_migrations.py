"""The reviewed migrations build the whole schema on an empty SQLite and PostgreSQL database,
and leave nothing for autogenerate to add (models and migrations agree)."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from tests.support.migrations import assert_schema_matches_models, insert, migrated_app, run_migrations
from webapp.extensions import db


def test_upgrade_builds_everything_on_empty_sqlite(tmp_path):
    app = migrated_app(f"sqlite:///{tmp_path / 'fresh.db'}")
    run_migrations(app, upgrade)
    assert_schema_matches_models(app)
    with app.app_context():
        mode = db.session.execute(sa.text("PRAGMA journal_mode")).scalar()
        assert mode == "wal"
        # NORMAL (1): synced at checkpoints, safe from corruption with WAL.
        assert db.session.execute(sa.text("PRAGMA synchronous")).scalar() == 1
    run_migrations(app, lambda: downgrade(revision="base"))
    with app.app_context():
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}


@pytest.mark.postgres
def test_upgrade_builds_everything_on_empty_postgres(fresh_postgres):
    app = migrated_app(fresh_postgres)
    run_migrations(app, upgrade)
    assert_schema_matches_models(app)
    run_migrations(app, lambda: downgrade(revision="base"))
    run_migrations(app, upgrade)
    assert_schema_matches_models(app)
    with app.app_context():
        db.engine.dispose()


def upgrade_with_data(app) -> None:
    """Upgrade to 0001, add a real-name application as 0001 stored it, then upgrade to head."""
    run_migrations(app, lambda: upgrade(revision="0001"))
    with app.app_context():
        with db.engine.begin() as c:
            c.execute(sa.text(
                "INSERT INTO \"user\" (id, email, password_hash, role, display_name, active, "
                "created_at) VALUES (1, 'm@example.com', 'x', 'merchant', 'm', true, "
                "'2026-01-02 03:04:05')"))
            c.execute(sa.text(
                "INSERT INTO merchant_application (id, user_id, version, legal_name, "
                "id_number_encrypted, id_number_masked, uscc, mobile, shop_name, shop_address, "
                "status, review_notes, review_comment, submitted_at) VALUES (1, 1, 1, '王', :b, "
                "'1101**********002X', '91110000600037341L', '13900001111', '店', '北京', "
                "'submitted', '{}', '', '2026-01-02 03:04:05')"), {"b": b"token"})
    run_migrations(app, upgrade)
    with app.app_context():
        row = db.session.execute(sa.text(
            "SELECT created_at, updated_at, handle_wish, street FROM merchant_application")).one()
        assert str(row.created_at).startswith("2026-01-02 03:04:05")
        assert str(row.updated_at).startswith("2026-01-02 03:04:05")
        assert (row.handle_wish, row.street) == ("", "")
        db.session.remove()
    assert_schema_matches_models(app)


def test_upgrade_keeps_existing_applications_on_sqlite(tmp_path):
    upgrade_with_data(migrated_app(f"sqlite:///{tmp_path / 'old.db'}"))


@pytest.mark.postgres
def test_upgrade_keeps_existing_applications_on_postgres(fresh_postgres):
    app = migrated_app(fresh_postgres)
    upgrade_with_data(app)
    with app.app_context():
        db.engine.dispose()


def test_an_sqlite_without_returning_is_refused_at_start(monkeypatch):
    """A courier's position is one UPDATE ... RETURNING, which SQLite has from 3.35 on: an older
    one is refused at start with a clear message, not on every position."""
    import sqlite3

    from webapp import config

    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.34.1")
    with pytest.raises(RuntimeError, match=r"SQLite 3\.35 or newer is needed; this Python has 3\.34\.1"):
        config.check({"SECRET_KEY": "x", "KYC_ENCRYPTION_KEY": config.TestConfig.KYC_ENCRYPTION_KEY,
                      "PUBLIC_URL": "https://example.cn", "SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"})
    config.check({"SECRET_KEY": "x", "KYC_ENCRYPTION_KEY": config.TestConfig.KYC_ENCRYPTION_KEY,
                   "PUBLIC_URL": "https://example.cn",
                   "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@h/db"})  # unaffected


# Order events as 0007 stored them: (action, from, to, note) -> (kind, params) after 0008.
OLD_EVENTS = [
    (None, None, "placed", "", "placed", {}),
    (None, None, "placed", "来自报价 #7", "placed_from_quote", {"quote": 7}),
    ("accept", "placed", "accepted", "", "accepted", {}),
    ("refuse", "placed", "cancelled", "今天休息", "refused_by_shop", {"reason": "今天休息"}),
    ("cancel", "placed", "cancelled", "不想要了", "cancelled_by_buyer", {"reason": "不想要了"}),
    ("cancel", "accepted", "cancelled", "商品缺货", "cancelled_by_shop", {"reason": "商品缺货"}),
    ("expire", "placed", "cancelled", "商家超时未接单，已自动取消", "expired", {}),
    ("assign", "accepted", "dispatched", "王五", "assigned", {"courier": "王五"}),
    ("start", "dispatched", "delivering", "", "started", {}),
    ("arrive", "delivering", "arrived", "", "arrived", {}),
    ("fail", "arrived", "delivery_failed", "收件人不在：敲门无人应答", "failed",
     {"reason": "absent", "note": "敲门无人应答"}),
    ("fail", "arrived", "delivery_failed", "地址错误", "failed",
     {"reason": "wrong_address", "note": ""}),
    ("sign", "arrived", "completed", "李雷", "signed", {"name": "李雷"}),
    ("sign", "arrived", "partially_refused", "李雷；拒收 1 项，不收 ¥16.00",
     "signed_with_refusals", {"name": "李雷", "n": 1, "amount_fen": 1600}),
    ("refuse", "arrived", "refused", "李雷；拒收 2 项，不收 ¥33.50", "refused_at_door",
     {"name": "李雷", "n": 2, "amount_fen": 3350}),
    (None, "completed", "completed", "已收款：货到付款（现金） ¥17.50（已扣除拒收 ¥16.00）", "paid",
     {"method": "cod", "amount_fen": 1750, "refused_fen": 1600}),
    (None, "arrived", "arrived", "已收款：微信扫码付 ¥33.50", "paid",
     {"method": "wechat", "amount_fen": 3350, "refused_fen": 0}),
    (None, "arrived", "arrived", "已收款：货到刷卡", "paid", {"method": "card"}),  # before paid_fen
    ("fail", "arrived", "delivery_failed", "电话打不通", "failed",  # before the reasons list
     {"reason": "电话打不通", "note": ""}),
    ("accept", "placed", "accepted", "马上备货", "accepted", {"text": "马上备货"}),
]
def events_through_0008(app) -> None:
    run_migrations(app, lambda: upgrade(revision="0007"))
    with app.app_context(), db.engine.begin() as c:
        insert(c, "user", id=1, email="b@example.com", role="buyer")
        insert(c, "shop", id=1, owner_id=1, handle="s", district_code="110105")
        insert(c, "order", id=1, buyer_id=1, shop_id=1, status="completed", total_fen=3350,
               idempotency_key="k", payment_method="cod", quote_id=None)
        insert(c, "order_line", id=1, order_id=1, product_id=None, reject_reason="商品破损：压坏了")
        insert(c, "order_line", id=2, order_id=1, product_id=None, reject_reason="太贵了")
        for i, (action, before, after, note, _kind, _params) in enumerate(OLD_EVENTS, 1):
            insert(c, "order_event", id=i, order_id=1, actor_id=None, action=action,
                   from_status=before, to_status=after, note=note, photo=None)
    run_migrations(app, lambda: upgrade(revision="0008"))
    with app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT kind, params FROM order_event ORDER BY id")).all()
        got = [(kind, params if isinstance(params, dict) else json.loads(params))
               for kind, params in rows]
        assert got == [(kind, params) for *_, kind, params in OLD_EVENTS]
        lines = db.session.execute(sa.text(
            "SELECT reject_reason, reject_note FROM order_line ORDER BY id")).all()
        assert [tuple(line) for line in lines] == [("商品破损", "压坏了"), ("太贵了", "")]
        db.session.remove()
    run_migrations(app, upgrade)  # later migrations add what the models have since 0008
    assert_schema_matches_models(app)
    run_migrations(app, lambda: downgrade(revision="0007"))
    with app.app_context():
        notes = db.session.execute(sa.text("SELECT note FROM order_event ORDER BY id")).scalars()
        # Every sentence comes back as it was.
        assert list(notes) == [note for _a, _b, _c, note, *_ in OLD_EVENTS]
        reasons = db.session.execute(sa.text(
            "SELECT reject_reason FROM order_line ORDER BY id")).scalars()
        assert list(reasons) == ["商品破损：压坏了", "太贵了"]
        db.session.remove()
        db.engine.dispose()


def test_0008_types_the_stored_events_on_sqlite(tmp_path):
    events_through_0008(migrated_app(f"sqlite:///{tmp_path / 'events.db'}"))


@pytest.mark.postgres
def test_0008_types_the_stored_events_on_postgres(fresh_postgres):
    events_through_0008(migrated_app(fresh_postgres))


def door_refunds_through_0022(app) -> None:
    """0022 marks as owed exactly the requests that ended refunded at the door (their history
    says so), keeps every row, and gives them back without the columns on downgrade."""
    run_migrations(app, lambda: upgrade(revision="0021"))
    # (id, status, the refunding step's params): at the door, nothing left to refund through
    # the gateway, still waiting for the shop.
    cases = [(1, "refunded", {"amount_fen": 5000, "refund": "door"}),
             (2, "refunded", {"amount_fen": 0, "refund": "none"}),
             (3, "requested", None)]
    with app.app_context(), db.engine.begin() as c:
        insert(c, "user", id=1, email="b@example.com", role="buyer")
        insert(c, "shop", id=1, owner_id=1, handle="s", district_code="110105")
        insert(c, "order", id=1, buyer_id=1, shop_id=1, status="completed", total_fen=15000,
               idempotency_key="k", payment_method="cod", quote_id=None)
        for request_id, status, params in cases:
            insert(c, "after_sale", id=request_id, order_id=1, seq=request_id, buyer_id=1,
                   shop_id=1, kind="refund_only", status=status, reason="quality",
                   photos="[]", amount_fen=5000, refund_id=None,
                   idempotency_key=f"k{request_id}")
            insert(c, "after_sale_event", id=2 * request_id, after_sale_id=request_id,
                   actor_id=None, action=None, from_status=None, to_status="requested",
                   params="{}")
            if params is not None:
                insert(c, "after_sale_event", id=2 * request_id + 1, after_sale_id=request_id,
                       actor_id=None, action="agree", from_status="requested", to_status=status,
                       params=json.dumps(params))
    run_migrations(app, upgrade)
    assert_schema_matches_models(app)
    with app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT id, status, door_refund, door_refund_paid_at, door_refund_note "
            "FROM after_sale ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [(1, "refunded", "owed", None, ""),
                                                (2, "refunded", None, None, ""),
                                                (3, "requested", None, None, "")]
        db.session.remove()
    run_migrations(app, lambda: downgrade(revision="0021"))
    with app.app_context():
        assert "door_refund" not in {c["name"] for c in inspect(db.engine).get_columns("after_sale")}
        assert db.session.execute(sa.text("SELECT count(*) FROM after_sale")).scalar() == 3
        db.session.remove()
        db.engine.dispose()


def test_0022_owes_the_door_refunds_already_made_on_sqlite(tmp_path):
    door_refunds_through_0022(migrated_app(f"sqlite:///{tmp_path / 'door.db'}"))


@pytest.mark.postgres
def test_0022_owes_the_door_refunds_already_made_on_postgres(fresh_postgres):
    door_refunds_through_0022(migrated_app(fresh_postgres))


def variants_through_0027(app) -> None:
    """0027 gives every product one unnamed variant with its price, stock and low-stock level,
    and points the cart lines, order lines and quotes naming the product at it; downgrade
    gives the rows back without the variants."""
    run_migrations(app, lambda: upgrade(revision="0026"))
    products = [(1, 1250, 7, 3), (2, 990, 0, 5)]  # (id, price, stock, low-stock level)
    with app.app_context(), db.engine.begin() as c:
        insert(c, "user", id=1, email="m@example.com", role="merchant")
        insert(c, "user", id=2, email="b@example.com", role="buyer")
        insert(c, "shop", id=1, owner_id=1, handle="s", district_code="110105")
        for product_id, price, stock, low in products:
            insert(c, "product", id=product_id, shop_id=1, title=f"p{product_id}",
                   price_fen=price, stock=stock, low_stock_at=low, image=None)
        insert(c, "cart_item", id=1, user_id=2, product_id=2, quantity=2)
        insert(c, "order", id=1, buyer_id=2, shop_id=1, status="completed", total_fen=1250,
               idempotency_key="k", payment_method="cod", quote_id=None)
        insert(c, "order_line", id=1, order_id=1, product_id=1, title="p1", unit_price_fen=1250,
               quantity=1)
        insert(c, "order_line", id=2, order_id=1, product_id=None, title="自定义",
               unit_price_fen=100, quantity=1)
        insert(c, "demand", id=1, buyer_id=2, district_code="110105", category="produce")
        insert(c, "quote", id=1, demand_id=1, shop_id=1, product_id=1, title="p1",
               unit_price_fen=1250, quantity=1)
    run_migrations(app, lambda: upgrade(revision="0027"))
    with app.app_context():
        q = lambda sql: [tuple(row) for row in db.session.execute(sa.text(sql)).all()]  # noqa: E731
        variants = q("SELECT product_id, shop_id, name, price_fen, stock, low_stock_at, barcode, "
                     "retired FROM product_variant ORDER BY product_id")
        assert variants == [(pid, 1, "", price, stock, low, None, False)
                            for pid, price, stock, low in products]
        assert q("SELECT id, price_fen, stock, variant_count FROM product ORDER BY id") == [
            (pid, price, stock, 1) for pid, price, stock, _ in products]
        of = dict(q("SELECT product_id, id FROM product_variant"))
        assert q("SELECT product_id, variant_id, quantity FROM cart_item") == [(2, of[2], 2)]
        assert q("SELECT product_id, variant_id, variant_name FROM order_line ORDER BY id") == [
            (1, of[1], ""), (None, None, "")]
        assert q("SELECT product_id, variant_id FROM quote") == [(1, of[1])]
        db.session.remove()
    run_migrations(app, upgrade)
    assert_schema_matches_models(app)
    with app.app_context():
        # A variant added after the migration gets an id of its own (PostgreSQL's sequence
        # was moved past the copied ids).
        with db.engine.begin() as c:
            c.execute(sa.text(
                "INSERT INTO product_variant (product_id, shop_id, name, price_fen, stock, "
                "low_stock_at, position, retired, created_at) VALUES (1, 1, '1kg', 2400, 1, 5, "
                "1, false, '2026-01-02 03:04:05')"))
        assert db.session.execute(sa.text("SELECT count(*) FROM product_variant")).scalar() == 3
        db.session.remove()
    run_migrations(app, lambda: downgrade(revision="0026"))
    with app.app_context():
        assert "product_variant" not in inspect(db.engine).get_table_names()
        q = lambda sql: [tuple(row) for row in db.session.execute(sa.text(sql)).all()]  # noqa: E731
        assert q("SELECT id, price_fen, stock, low_stock_at FROM product ORDER BY id") == products
        assert q("SELECT user_id, product_id, quantity FROM cart_item") == [(2, 2, 2)]
        assert q("SELECT product_id FROM order_line ORDER BY id") == [(1,), (None,)]
        db.session.remove()
        db.engine.dispose()


def test_0027_gives_each_product_one_variant_on_sqlite(tmp_path):
    variants_through_0027(migrated_app(f"sqlite:///{tmp_path / 'variants.db'}"))


@pytest.mark.postgres
def test_0027_gives_each_product_one_variant_on_postgres(fresh_postgres):
    variants_through_0027(migrated_app(fresh_postgres))
