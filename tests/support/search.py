"""One small market to search, the same on SQLite and PostgreSQL, and what each query finds."""
from __future__ import annotations

from types import SimpleNamespace

from tests.support.licences import every_kind
from webapp.extensions import db
from webapp.models import Product, Role, Shop, ShopStatus, SynonymGroup, User


def build_catalog() -> SimpleNamespace:
    """Two open shops, one suspended shop, an unpublished product (in the app context)."""
    c = SimpleNamespace()

    def shop(handle: str, name: str, description: str, **fields) -> Shop:
        owner = User(role=Role.MERCHANT, email=f"{handle}@example.com", display_name=handle,
                     password_hash="x")
        db.session.add(owner)
        db.session.flush()
        row = Shop(owner_id=owner.id, handle=handle, name=name, description=description,
                   **fields)
        db.session.add(row)
        db.session.flush()
        db.session.add_all(every_kind(row.id))  # it may sell in every category
        return row

    def product(shop_: Shop, title: str, **fields) -> Product:
        fields.setdefault("price_fen", 1000)
        fields.setdefault("stock", 5)
        row = Product(shop_id=shop_.id, title=title, **fields)
        db.session.add(row)
        db.session.flush()
        return row

    c.orchard = shop("gannan", "赣南果园", "江西赣州赣南脐橙产地直发")
    c.navel = product(c.orchard, "赣南脐橙 5 斤装", description="果径 75mm 以上，现摘现发",
                      price_fen=3990, category="produce")
    c.jelly = product(c.orchard, "四川爱媛果冻橙", price_fen=4990, stock=0, category="produce")
    c.juice = product(c.orchard, "鲜榨果汁 1 升", description="每天早上用新鲜橙子现榨",
                      category="snacks")
    c.hidden = product(c.orchard, "下架的脐橙", published=False)
    c.gift = product(c.orchard, "脐橙礼盒", category="produce")
    c.orange_juice = product(c.orchard, "鲜榨橙汁", category="snacks")
    c.potato = product(c.orchard, "马铃薯 5 斤", category="produce")
    c.tomato = product(c.orchard, "西红柿 2 斤", category="produce")
    c.tomato_seeds = product(c.orchard, "番茄种子", category="flowers")
    c.melon = product(c.orchard, "麒麟西瓜 8 斤", category="produce")
    c.seeds = product(c.orchard, "五香瓜子", category="snacks")
    c.grocer = shop("laowang", "老王粮油", "东北大米、食用油")
    c.rice = product(c.grocer, "东北大米 10 斤", category="grocery")
    c.oil = product(c.grocer, "100%纯芝麻油", category="grocery")
    c.flour = product(c.grocer, "低筋面粉 T_45", category="grocery")
    c.apple = product(c.grocer, "Organic Apple Juice 1L", category="snacks")
    c.shirt = product(c.grocer, "橙色T恤 纯棉", category="clothing")
    c.closed = shop("closed", "停业橙园", "已停业的橙园", status=ShopStatus.SUSPENDED)
    c.closed_navel = product(c.closed, "停业店的脐橙")
    db.session.add_all([SynonymGroup(category="produce", words="土豆 马铃薯 洋芋"),
                        SynonymGroup(category="produce", words="番茄 西红柿")])
    db.session.commit()
    return c


# (query, product titles in rank order, shop names). A product is found when every term is in
# its title (also as pinyin or initials, as a head noun, as a synonym of its category), its
# shop's name or its description; order: all terms in the title first, then with the shop's
# name, then the description; on sale before sold out; then newest first.
CASES = [
    # Words in any order, whitespace in the title ignored.
    ("脐橙 赣南", ["赣南脐橙 5 斤装", "脐橙礼盒"], ["赣南果园"]),
    ("赣南脐", ["赣南脐橙 5 斤装"], ["赣南果园"]),
    ("橙 5斤", ["赣南脐橙 5 斤装"], []),
    ("大米 10", ["东北大米 10 斤"], []),
    # One character is a word: every title, shop and description that holds it.
    ("橙", ["橙色T恤 纯棉", "鲜榨橙汁", "脐橙礼盒", "赣南脐橙 5 斤装", "四川爱媛果冻橙",
           "鲜榨果汁 1 升"], ["赣南果园"]),
    # 橙子: 橙 as the head of a word (脐橙, 果冻橙), not 橙汁 or 橙色; 橙子 itself in a description.
    ("橙子", ["脐橙礼盒", "赣南脐橙 5 斤装", "四川爱媛果冻橙", "鲜榨果汁 1 升"], []),
    ("瓜子", ["五香瓜子"], []),  # 瓜子 are seeds: not 西瓜
    # Pinyin, whole or being typed, and initials.
    ("chengzi", ["脐橙礼盒", "赣南脐橙 5 斤装", "四川爱媛果冻橙"], []),
    ("qicheng", ["脐橙礼盒", "赣南脐橙 5 斤装"], []),
    ("qich", ["脐橙礼盒", "赣南脐橙 5 斤装"], []),
    ("gnqc", ["赣南脐橙 5 斤装"], []),
    ("cz", ["100%纯芝麻油", "鲜榨橙汁", "脐橙礼盒", "赣南脐橙 5 斤装", "四川爱媛果冻橙"], []),
    ("xigua", ["麒麟西瓜 8 斤"], []),
    # Synonyms, only in their group's category (produce): not the seeds filed under flowers.
    ("土豆", ["马铃薯 5 斤"], []),
    ("番茄", ["番茄种子", "西红柿 2 斤"], []),
    ("西红柿", ["西红柿 2 斤"], []),
    # Latin words are text too, in any case.
    ("apple", ["Organic Apple Juice 1L"], []),
    ("APPLE juice", ["Organic Apple Juice 1L"], []),
    ("t_45", ["低筋面粉 T_45"], []),
    # Shops by name; a shop's name finds its products after title matches.
    ("粮油", ["橙色T恤 纯棉", "Organic Apple Juice 1L", "低筋面粉 T_45", "100%纯芝麻油",
            "东北大米 10 斤"], ["老王粮油"]),
    ("赣南 果汁", ["鲜榨果汁 1 升"], []),
    # LIKE's own characters are literal.
    ("%", ["100%纯芝麻油"], []),
    ("_", ["低筋面粉 T_45"], []),
    ("100%", ["100%纯芝麻油"], []),
    ("%%%", [], []),
    ("T%4", [], []),
    ("\\", [], []),
    # Never a suspended shop or an unpublished product; nothing for what is not there.
    ("停业", [], []),
    ("停业橙园", [], []),
    ("下架", [], []),
    ("苹果", [], []),
    ('"赣南" OR 大米', [], []),
    ("NOT 橙*", [], []),
    ("\x00脐橙\u200b", ["脐橙礼盒", "赣南脐橙 5 斤装"], ["赣南果园"]),
]
CASE_IDS = [repr(case[0]) for case in CASES]


def found(results) -> tuple[list[str], list[str]]:
    return [p.title for p in results.products], [s.name for s in results.shops]


def build_legacy_market() -> int:
    """The orchard and its navel oranges written through the tables as they are now, not the
    models: for a database migrated to an older revision than the models describe. Returns
    the navel oranges' product id."""
    from datetime import datetime

    import sqlalchemy as sa

    def insert(table_name: str, /, **values) -> int:
        table = sa.Table(table_name, sa.MetaData(), autoload_with=db.engine)
        for column in table.columns:
            if (column.name in values or column.primary_key or column.nullable
                    or column.server_default is not None):
                continue
            kind = column.type.python_type if hasattr(column.type, "python_type") else str
            values[column.name] = {bool: False, int: 0, datetime: datetime(2026, 1, 1)}.get(
                kind, "")
        return db.session.execute(table.insert().values(**values)).inserted_primary_key[0]

    owner = insert("user", role="merchant", email="gannan@example.com", display_name="gannan",
                   password_hash="x", active=True)
    orchard = insert("shop", owner_id=owner, handle="gannan", name="赣南果园",
                     description="江西赣州赣南脐橙产地直发", status="active")
    navel = insert("product", shop_id=orchard, title="赣南脐橙 5 斤装",
                   description="果径 75mm 以上，现摘现发", price_fen=3990, stock=5,
                   published=True)
    db.session.commit()
    return navel
