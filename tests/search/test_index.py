"""The search key as migration 0011 builds it: the columns, the synonym groups and the keys of the
products already there, the same as `create_all` and the app's writes give; the old substring
index (FTS5 on SQLite, pg_trgm on PostgreSQL) gone, and back on a downgrade with every row kept;
the same answers on a migrated PostgreSQL."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.support.database import create_database, drop_database
from tests.support.migrations import assert_schema_matches_models, migrated_app, run_migrations
from tests.support.search import CASE_IDS, CASES, build_catalog, build_legacy_market, found
from webapp.extensions import db
from webapp.models import Product, SynonymGroup
from webapp.search import keys, services, synonyms

OLD_INDEX = ("SELECT type, name FROM sqlite_master WHERE name LIKE 'product_search%' "
             "ORDER BY type, name")
KEY_COLUMNS = sa.text("SELECT search_text, search_pinyin, search_initials, search_body "
                      "FROM product WHERE id = :id")
PG_TRGM = "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%gin_trgm_ops%'"


def key_of(product_id: int) -> dict:
    return dict(db.session.execute(KEY_COLUMNS, {"id": product_id}).mappings().one())


def test_the_app_writes_the_key_the_migration_fills(app):
    """create_all and the ORM events: the key of a new product is `keys.keys` of its text."""
    catalog = build_catalog()
    assert key_of(catalog.navel.id) == keys.keys("赣南脐橙 5 斤装", "果径 75mm 以上，现摘现发")
    assert key_of(catalog.jelly.id) == keys.keys("四川爱媛果冻橙", "")


@pytest.mark.parametrize(("title", "text", "pinyin", "initials"), [
    ("赣南脐橙 5 斤装", "赣南脐橙5斤装\n 赣南脐橙 5 斤 装 ",
     "'gan'nan'qi'cheng'jin'zhuang'\n 'gan'nan'qi'cheng' 'jin' 'zhuang' ",
     "gnqc5jz\n gnqc 5 j z "),
    ("脐橙礼盒", "脐橙礼盒\n 脐橙 礼盒 ", "'qi'cheng'li'he'\n 'qi'cheng' 'li'he' ", "qclh\n qc lh "),
    ("ＡＰＰＬＥ 苹果", "apple苹果\n apple 苹果 ", "'ping'guo'\n 'ping'guo' ", "apg\n a pg "),
    ("重庆小面", "重庆小面\n 重庆小面 ", "'chong'qing'xiao'mian'\n 'chong'qing'xiao'mian' ",
     "cqxm\n cqxm "),
])
def test_a_title_key_holds_its_text_words_pinyin_and_initials(title, text, pinyin, initials):
    assert keys.title_keys(title) == {"search_text": text, "search_pinyin": pinyin,
                                      "search_initials": initials}


def test_upgrade_fills_the_key_of_existing_products_and_drops_the_old_index(tmp_path):
    app = migrated_app(f"sqlite:///{tmp_path / 'search.db'}")
    run_migrations(app, lambda: upgrade(revision="0010"))
    with app.app_context():
        # A row that exists before the key does (the models are ahead of revision 0010).
        navel_id = build_legacy_market()
        assert db.session.execute(sa.text(OLD_INDEX)).all() != []
        db.session.remove()
    run_migrations(app, upgrade)
    with app.app_context():
        assert db.session.execute(sa.text(OLD_INDEX)).all() == []
        assert key_of(navel_id) == keys.keys("赣南脐橙 5 斤装", "果径 75mm 以上，现摘现发")
        assert found(services.search("gnqc")) == (["赣南脐橙 5 斤装"], [])
        seeded = {(g.category, g.words) for g in db.session.scalars(sa.select(SynonymGroup))}
        assert seeded == {(c, w) for c, groups in synonyms.SEED.items() for w in groups}
        db.session.remove()
    assert_schema_matches_models(app)


def test_downgrade_brings_the_old_index_back_and_keeps_every_row(tmp_path):
    app = migrated_app(f"sqlite:///{tmp_path / 'search.db'}")
    run_migrations(app, upgrade)
    with app.app_context():
        navel_id = build_legacy_market()
        db.session.remove()
    run_migrations(app, lambda: downgrade(revision="0010"))
    with app.app_context():
        names = {row.name for row in db.session.execute(sa.text(OLD_INDEX))}
        assert {"product_search", "product_search_product_insert"} <= names
        match = sa.text("SELECT rowid FROM product_search WHERE product_search MATCH :q")
        assert db.session.execute(match, {"q": '"赣南脐"'}).scalars().all() == [navel_id]
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("product")}
        assert not columns & set(keys.COLUMNS) and "synonym_group" not in \
            sa.inspect(db.engine).get_table_names()
        db.session.remove()
    run_migrations(app, upgrade)
    with app.app_context():
        assert db.session.get(Product, navel_id).title == "赣南脐橙 5 斤装"
        assert found(services.search("qicheng")) == (["赣南脐橙 5 斤装"], [])
        db.session.remove()
    assert_schema_matches_models(app)


@pytest.fixture(scope="module")
def postgres_market_app():
    """A migrated PostgreSQL database holding the market, one for the module: its cases only
    search it (a fresh database migrated for each took a second apiece)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set (.ci/run sets it)")
    url = create_database(base)
    try:
        app = migrated_app(url)
        run_migrations(app, upgrade)
        with app.app_context():
            db.session.execute(sa.delete(SynonymGroup))  # the catalog brings its own groups
            build_catalog()
            db.session.remove()
        yield app
        with app.app_context():
            db.engine.dispose()
    finally:
        drop_database(base, url)


@pytest.fixture
def postgres_market(postgres_market_app):
    """The module's market, its app context open for the case."""
    with postgres_market_app.app_context():
        yield postgres_market_app
        db.session.remove()


@pytest.mark.postgres
@pytest.mark.parametrize(("query", "titles", "shops"), CASES, ids=CASE_IDS)
def test_each_query_finds_the_same_on_a_migrated_postgres(postgres_market, query, titles, shops):
    assert found(services.search(query)) == (titles, shops)


@pytest.mark.postgres
def test_postgres_refuses_a_query_too_big_and_drops_a_nul(postgres_market):
    client = postgres_market.test_client()
    response = client.get("/search/?q=" + "橙" * 500, headers={"HX-Request": "true"})
    assert response.status_code == 400 and "搜索词太长" in response.text
    response = client.get("/search/?q=%00%E8%84%90%E6%A9%99", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "赣南脐橙 5 斤装" in response.text
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.postgres
def test_postgres_upgrade_drops_the_trigram_indexes_and_downgrade_restores_them(fresh_postgres):
    app = migrated_app(fresh_postgres)
    run_migrations(app, lambda: upgrade(revision="0010"))
    with app.app_context():
        navel_id = build_legacy_market()
        assert set(db.session.execute(sa.text(PG_TRGM)).scalars()) == set(services.PG_INDEXES)
        db.session.remove()
    run_migrations(app, upgrade)
    with app.app_context():
        assert db.session.execute(sa.text(PG_TRGM)).scalars().all() == []
        assert key_of(navel_id) == keys.keys("赣南脐橙 5 斤装", "果径 75mm 以上，现摘现发")
        db.session.remove()
    assert_schema_matches_models(app)
    run_migrations(app, lambda: downgrade(revision="0010"))
    with app.app_context():
        assert set(db.session.execute(sa.text(PG_TRGM)).scalars()) == set(services.PG_INDEXES)
        assert db.session.execute(sa.text("SELECT title FROM product")).scalars().all() == [
            "赣南脐橙 5 斤装"]
        db.session.remove()
        db.engine.dispose()
