"""The search index as migration 0003 builds it: FTS5 trigram table and triggers on SQLite (the
same schema `create_all` gets), pg_trgm indexes on PostgreSQL, and the same answers on both."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.support.migrations import assert_schema_matches_models, migrated_app, run_migrations
from tests.support.search import CASE_IDS, CASES, build_catalog, build_legacy_market, found
from webapp.extensions import db
from webapp.models import Product, ShopStatus
from webapp.search import services

INDEX_SCHEMA = ("SELECT type, name, tbl_name, sql FROM sqlite_master "
                "WHERE name LIKE 'product_search%' ORDER BY type, name")


def schema_of_index() -> list[tuple]:
    return [tuple(row) for row in db.session.execute(sa.text(INDEX_SCHEMA))]


@pytest.mark.sqlite_only("compares SQLite's FTS5 table and triggers (sqlite_master); the "
                         "pg_trgm indexes have test_postgres_has_pg_trgm_and_the_search_can_use_"
                         "its_indexes")
def test_the_migration_builds_the_same_index_as_create_all(app, tmp_path):
    from_create_all = schema_of_index()
    migrated = migrated_app(f"sqlite:///{tmp_path / 'search.db'}")
    run_migrations(migrated, upgrade)
    with migrated.app_context():
        assert schema_of_index() == from_create_all
        db.session.remove()
        db.engine.dispose()
    names = {row[1] for row in from_create_all}
    assert {"product_search", "product_search_product_insert", "product_search_product_update",
            "product_search_product_delete", "product_search_shop_update",
            "product_search_shop_delete"} <= names


def test_upgrade_indexes_existing_products_and_triggers_follow_changes(tmp_path):
    app = migrated_app(f"sqlite:///{tmp_path / 'search.db'}")
    run_migrations(app, lambda: upgrade(revision="0002"))
    with app.app_context():
        # Rows that exist before the index does (the models are ahead of revision 0002).
        navel_id = build_legacy_market()
        db.session.remove()
    run_migrations(app, upgrade)
    with app.app_context():
        match = sa.text("SELECT rowid FROM product_search WHERE product_search MATCH :q")
        assert db.session.execute(match, {"q": '"赣南脐"'}).scalars().all() == [navel_id]
        assert found(services.search("赣南脐")) == (["赣南脐橙 5 斤装"], ["赣南果园"])
        assert db.session.execute(match, {"q": '"停业店"'}).scalars().all() == []

        shop = db.session.get(Product, navel_id).shop
        new = Product(shop_id=shop.id, title="寻乌蜜桔 10 斤", price_fen=2990, stock=2)
        db.session.add(new)
        db.session.commit()
        assert db.session.execute(match, {"q": '"寻乌蜜"'}).scalars().all() == [new.id]
        shop.status = ShopStatus.SUSPENDED
        db.session.commit()
        assert db.session.execute(match, {"q": '"寻乌蜜"'}).scalars().all() == []
        shop.status = ShopStatus.ACTIVE
        db.session.commit()
        db.session.delete(new)
        db.session.commit()
        assert db.session.execute(match, {"q": '"寻乌蜜"'}).scalars().all() == []
        assert db.session.execute(match, {"q": '"赣南脐"'}).scalars().all() == [navel_id]
        db.session.remove()
    assert_schema_matches_models(app)


def test_downgrade_removes_the_index_and_its_triggers(tmp_path):
    app = migrated_app(f"sqlite:///{tmp_path / 'search.db'}")
    run_migrations(app, upgrade)
    run_migrations(app, lambda: downgrade(revision="0002"))
    with app.app_context():
        assert schema_of_index() == []
        build_legacy_market()  # no trigger is left pointing at the dropped table
        db.session.remove()
    run_migrations(app, upgrade)
    with app.app_context():
        assert found(services.search("赣南脐")) == (["赣南脐橙 5 斤装"], ["赣南果园"])
        db.session.remove()


@pytest.fixture
def postgres_market(fresh_postgres):
    """A migrated PostgreSQL database holding the market; the app context is open."""
    app = migrated_app(fresh_postgres)
    run_migrations(app, upgrade)
    with app.app_context():
        build_catalog()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize(("query", "titles", "shops"), CASES, ids=CASE_IDS)
def test_each_query_finds_the_same_on_postgres(postgres_market, query, titles, shops):
    assert found(services.search(query)) == (titles, shops)


@pytest.mark.postgres
def test_postgres_pages_and_limits(postgres_market):
    client = postgres_market.test_client()
    response = client.get("/search/?q=" + "橙" * 500, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "搜索词太长" in response.text
    response = client.get("/search/?q=%00%E8%84%90%E6%A9%99", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "赣南脐橙 5 斤装" in response.text
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.postgres
def test_postgres_has_pg_trgm_and_the_search_can_use_its_indexes(postgres_market):
    names = set(db.session.execute(sa.text(
        "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%gin_trgm_ops%'")).scalars())
    assert names == set(services.PG_INDEXES)
    statement = services._products(["赣南脐"], "postgresql").limit(services.PRODUCT_LIMIT)
    sql = statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as connection:
        connection.execute(sa.text("SET enable_seqscan = off"))
        plan = "\n".join(connection.execute(sa.text(f"EXPLAIN {sql}")).scalars())
    for name in services.PG_INDEXES:
        assert name in plan, plan


@pytest.mark.postgres
def test_postgres_downgrade_drops_the_indexes(fresh_postgres):
    app = migrated_app(fresh_postgres)
    run_migrations(app, upgrade)
    run_migrations(app, lambda: downgrade(revision="0002"))
    with app.app_context():
        left = db.session.execute(sa.text(
            "SELECT indexname FROM pg_indexes WHERE indexname LIKE '%trgm%'")).scalars().all()
        assert left == []
        db.session.remove()
    run_migrations(app, upgrade)
    assert_schema_matches_models(app)
    with app.app_context():
        db.engine.dispose()
