"""Grow a database after `flask seed-demo` to a size, for the growth benchmark
(bench/test_growth.py). Sizes are totals: growing adds what is missing, so the large database is
the small one grown further.

- **small**, the demo: 50 products in the demo shop (its 12, and more in the same categories as
  the large size's, so both shop pages show the same category chips); 12 orders in the demo
  buyer's history, one in each order status, so every tab of the buyer's orders, every column
  of the merchant's board and the courier's list have some; 10 demands of the demo buyer (half open, some with
  the shop's quote); the demo application and one more in each other review queue.
- **large**: 5,000 products in the demo shop across five categories (fruit titles with origins,
  grades and sizes; dried fruit and juice; flowers; groceries; gift baskets), 8 % off sale;
  1,000 orders of the demo buyer from that shop in every status (two thirds finished, the open
  ones the newest), 1,000 more finished orders of 100 other buyers on the shop's board and in
  the courier's history; 1,000 demands of the demo buyer and 1,000 open demands of other buyers
  in the shop's district (most in the shop's categories, a third of the open ones quoted by the
  shop); 1,000 merchant applications in the review queues.

Rows go in with Core `executemany` (the ORM's tables, so column defaults apply; a product's
search key and its tokens are written as the ORM's hooks write them, and the database's indexes
keep up as they would), a few seconds for the large
size. Orders carry their lines, their history events, a delivery by the demo courier once
assigned and a proof once signed, as the app would have written them; placed orders are
minutes old so no page expires them while it is measured. bench/test_growth.py calls `grow` in
its own process; by hand: `python -m bench.growth --size large` with the server's environment
(prints JSON facts).
"""
from __future__ import annotations

import argparse
import json
import random
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from webapp import create_app
from webapp.extensions import db
from webapp.models import (
    ApplicationStatus,
    Delivery,
    Demand,
    DemandStatus,
    EventKind,
    MerchantApplication,
    Order,
    OrderEvent,
    OrderLine,
    Product,
    ProofOfDelivery,
    Quote,
    QuoteStatus,
    Role,
    Shop,
    Status,
    User,
    utcnow,
)
from webapp.orders.state import Action
from webapp.search import keys as search_keys
from webapp.search import tokens as search_tokens


@dataclass(frozen=True)
class Size:
    products: int  # in the demo shop
    orders: int  # the demo buyer's, from the demo shop
    shop_orders: int  # finished orders of other buyers, from the demo shop
    demands: int  # the demo buyer's
    district_demands: int  # other buyers' open demands in the shop's district
    applications: int  # current (not draft) merchant applications, the demo one included


SIZES = {"small": Size(50, 12, 0, 10, 0, 4),
         "large": Size(5000, 1000, 1000, 1000, 1000, 1000)}
OTHER_BUYERS = 100

# Shares of each status beyond one of each (the small size): most orders are finished, and a
# busy shop has some in every open stage.
ORDER_MIX = {Status.COMPLETED: 50, Status.CANCELLED: 11, Status.RETURNED: 1, Status.PARTIALLY_REFUSED: 4,
             Status.REFUSED: 2, Status.DELIVERY_FAILED: 5, Status.ACCEPTED: 6,
             Status.DISPATCHED: 6, Status.DELIVERING: 6, Status.ARRIVED: 5, Status.PLACED: 4,
             Status.AWAITING_PAYMENT: 1}
OTHER_ORDER_MIX = {Status.COMPLETED: 85, Status.CANCELLED: 15}
DEMAND_MIX = {DemandStatus.OPEN: 50, DemandStatus.ACCEPTED: 10, DemandStatus.CLOSED: 20,
              DemandStatus.EXPIRED: 20}
APPLICATION_MIX = {ApplicationStatus.SUBMITTED: 40, ApplicationStatus.NEEDS_INFO: 20,
                   ApplicationStatus.APPROVED: 20, ApplicationStatus.REJECTED: 20}

FRUITS = (("脐橙", ("赣南", "秭归", "奉节")), ("红富士苹果", ("烟台", "阿克苏", "洛川")),
          ("香蕉", ("海南", "广西")), ("阳光玫瑰葡萄", ("云南", "上海")), ("草莓", ("丹东", "昌平")),
          ("哈密瓜", ("新疆",)), ("蓝莓", ("云南", "丹东")), ("百香果", ("广西", "福建")),
          ("果冻橙", ("四川爱媛", "浙江")), ("大樱桃", ("山东", "大连")), ("香梨", ("库尔勒",)),
          ("金枕榴莲", ("泰国",)), ("芒果", ("攀枝花", "海南")), ("猕猴桃", ("周至", "蒲江")),
          ("水蜜桃", ("无锡阳山", "奉化")), ("荔枝", ("广东", "海南")), ("沃柑", ("广西武鸣",)),
          ("血橙", ("秭归", "四川")), ("车厘子", ("智利",)), ("火龙果", ("越南", "广西")),
          ("西瓜", ("大兴", "宁夏")), ("石榴", ("会理", "临潼")), ("柚子", ("琯溪", "梅州")),
          ("冬枣", ("沾化", "黄骅")))
GRADES = ("", "特级 ", "精选 ", "家庭装 ", "礼盒 ")
SIZES_SOLD = ("1 斤", "2 斤", "3 斤装", "5 斤装", "500g", "1kg", "6 个", "12 个装")
OTHER_GOODS = {
    "snacks": ("{fruit}干 {g}g", "鲜榨{fruit}汁 {ml}ml", "{fruit}果脯 {g}g", "冻干{fruit} {g}g"),
    "flowers": ("红玫瑰 {n} 枝", "向日葵 {n} 枝", "香水百合 {n} 枝", "多肉盆栽 {n} 盆", "康乃馨 {n} 枝"),
    "grocery": ("五常大米 {kg}kg", "土蜂蜜 {g}g", "东北黑木耳 {g}g", "小米 {kg}kg", "红枣 {g}g"),
    "other": ("水果礼篮 {n} 种", "节日果篮 {n} 种", "企业团购果箱 {n} 份"),
}
CATEGORY_MIX = {"produce": 60, "snacks": 15, "flowers": 10, "grocery": 10, "other": 5}
DESCRIPTIONS = ("产地直采，当日送达。", "坏果包赔，请签收时验货。", "冷链配送，新鲜到家。",
                "当季现摘，甜度高。", "整箱发货，适合送礼。", "")
FEED_CATEGORIES = ("produce", "produce", "produce", "produce", "snacks", "flowers", "meat")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=sorted(SIZES), required=True)
    args = parser.parse_args()
    app = create_app({"SOCKETIO_ASYNC_MODE": "threading", "SOCKETIO_MESSAGE_QUEUE": None})
    with app.app_context():
        print(json.dumps(grow(SIZES[args.size])))


def spread(n: int, mix: dict) -> list:
    """`n` values in the shares of `mix` (at least one of each when n allows), largest first."""
    keys = list(mix)
    if n <= len(keys):
        return keys[:n]
    total = sum(mix.values())
    counts = {k: max(1, n * w // total) for k, w in mix.items()}
    counts[keys[0]] += n - sum(counts.values())
    return [k for k in keys for _ in range(counts[k])]


def missing(want: list, have: list) -> list:
    """What `want` holds beyond `have` (a multiset difference), in `want`'s order."""
    extra = Counter(want) - Counter(have)
    out = []
    for value in want:
        if extra[value]:
            extra[value] -= 1
            out.append(value)
    return out


class World:
    """The demo parties and a connection to write through."""

    def __init__(self, conn):
        self.conn, self.rng, self.now = conn, random.Random(17), utcnow()
        user = User.__table__

        def by(column, value):
            return conn.execute(sa.select(user.c.id, user.c.display_name).where(column == value)).one()

        self.shop = conn.execute(sa.select(Shop.__table__).where(Shop.handle == "fresh-fruit")).one()
        self.merchant = self.shop.owner_id
        self.courier = by(user.c.mobile, "13800000001")
        self.buyer = by(user.c.email, "buyer@example.com")
        self.admin = by(user.c.email, "admin@example.com").id
        self.products = conn.execute(sa.select(Product.id, Product.title, Product.price_fen).where(
            Product.shop_id == self.shop.id).order_by(Product.id).limit(50)).all()
        self.images = conn.scalars(sa.select(Product.image).where(
            Product.shop_id == self.shop.id, Product.image.is_not(None)).limit(12)).all()
        self.cheap = generate_password_hash(secrets.token_hex(8), method="pbkdf2:sha256:1000")

    def count(self, query) -> int:
        return self.conn.scalar(sa.select(sa.func.count()).select_from(query.subquery()))

    def insert(self, model, rows: list[dict]) -> list[int]:
        """Insert `rows` in one executemany; their new ids, in order."""
        if not rows:
            return []
        table = model.__table__
        result = self.conn.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True),
                                   rows)
        return [row.id for row in result]

    def users(self, prefix: str, role: Role, n: int) -> list[int]:
        """`n` accounts named `prefix`-k (made once, found again on the next growth)."""
        user = User.__table__
        have = self.conn.scalars(sa.select(user.c.id).where(user.c.email.like(f"{prefix}-%"))
                                 .order_by(user.c.id)).all()
        return list(have) + self.insert(User, [
            dict(email=f"{prefix}-{k}@example.com", role=role, password_hash=self.cheap,
                 display_name=f"{prefix} {k}", created_at=self.now - timedelta(days=400))
            for k in range(len(have), n)])


def grow(size: Size) -> dict:
    with db.engine.begin() as conn:
        world = World(conn)
        added = {"products": grow_products(world, size.products)}
        others = world.users("growth-buyer", Role.BUYER, OTHER_BUYERS) if size.shop_orders else []
        added["orders"] = grow_orders(world, size.orders, size.shop_orders, others)
        added["demands"] = grow_demands(world, size.demands, size.district_demands, others)
        added["applications"] = grow_applications(world, size.applications)
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("ANALYZE"))  # as autovacuum would have, long before
    return {"shop_id": world.shop.id, "buyer_id": world.buyer.id, "added": added}


# ---- products ------------------------------------------------------------------------------

def product_title(rng: random.Random, category: str) -> str:
    fruit, origins = rng.choice(FRUITS)
    if category == "produce":
        return f"{rng.choice(GRADES)}{rng.choice(origins)}{fruit} {rng.choice(SIZES_SOLD)}"
    return rng.choice(OTHER_GOODS[category]).format(
        fruit=fruit.removesuffix("苹果") or fruit, g=rng.choice((100, 250, 500)),
        ml=rng.choice((300, 500, 1000)), n=rng.choice((3, 5, 9, 11, 19)), kg=rng.choice((2, 5, 10)))


def grow_products(world: World, target: int) -> int:
    have = world.count(sa.select(Product.id).where(Product.shop_id == world.shop.id))
    rng, rows = world.rng, []
    for n, category in enumerate(spread(max(0, target - have), CATEGORY_MIX)):
        low = rng.random() < 0.1
        title, description = product_title(rng, category), rng.choice(DESCRIPTIONS)
        rows.append(dict(
            # The search key, as the ORM's before_insert hook writes it (webapp/search/keys.py).
            search_keys.keys(title, description), shop_id=world.shop.id, title=title,
            description=description, price_fen=rng.randrange(590, 19900, 10),
            stock=rng.randint(1, 5) if low else rng.choice((0, *range(6, 200))),
            published=rng.random() >= 0.08, category=category, image=rng.choice(world.images),
            created_at=world.now - timedelta(minutes=10 * (target - n))))
    rng.shuffle(rows)  # categories interleaved, as a shop adds them over time
    ids = world.insert(Product, rows)
    # The search index, as the ORM's after_insert hook writes it (webapp/search/tokens.py).
    search_tokens.write(world.conn, [(i, row["title"], row["description"])
                                     for i, row in zip(ids, rows)])
    return len(ids)


# ---- orders --------------------------------------------------------------------------------

# The events that led to each status (after "placed"): (action, the actor's party, kind).
PATHS = {
    Status.PLACED: (),
    Status.ACCEPTED: ((Action.ACCEPT, "merchant", EventKind.ACCEPTED),),
    Status.DISPATCHED: ((Action.ACCEPT, "merchant", EventKind.ACCEPTED),
                        (Action.ASSIGN, "merchant", EventKind.ASSIGNED)),
}
PATHS[Status.DELIVERING] = (*PATHS[Status.DISPATCHED], (Action.START, "courier", EventKind.STARTED))
PATHS[Status.ARRIVED] = (*PATHS[Status.DELIVERING], (Action.ARRIVE, "courier", EventKind.ARRIVED))
PATHS[Status.DELIVERY_FAILED] = (*PATHS[Status.DELIVERING], (Action.FAIL, "courier", EventKind.FAILED))
PATHS[Status.RETURNED] = (*PATHS[Status.DELIVERY_FAILED],
                          (Action.TAKE_BACK, "merchant", EventKind.TAKEN_BACK))
PATHS[Status.COMPLETED] = (*PATHS[Status.ARRIVED], (Action.SIGN, "buyer", EventKind.SIGNED),
                           (None, "courier", EventKind.PAID))
PATHS[Status.PARTIALLY_REFUSED] = (*PATHS[Status.ARRIVED],
                                   (Action.SIGN, "buyer", EventKind.SIGNED_WITH_REFUSALS),
                                   (None, "courier", EventKind.PAID))
PATHS[Status.REFUSED] = (*PATHS[Status.ARRIVED], (Action.REFUSE, "buyer", EventKind.REFUSED_AT_DOOR))
PATHS[Status.CANCELLED] = ((Action.CANCEL, "buyer", EventKind.CANCELLED_BY_BUYER),)
PATHS[Status.AWAITING_PAYMENT] = ()  # paid online, not yet: off the shop's board
OPEN_AGE = {Status.AWAITING_PAYMENT: timedelta(minutes=1), Status.PLACED: timedelta(minutes=2),
            Status.ACCEPTED: timedelta(hours=3),
            Status.DISPATCHED: timedelta(hours=5), Status.DELIVERING: timedelta(hours=6),
            Status.ARRIVED: timedelta(hours=7), Status.DELIVERY_FAILED: timedelta(days=1)}


def grow_orders(world: World, target: int, shop_orders: int, others: list[int]) -> int:
    order = Order.__table__
    have = world.conn.scalars(sa.select(order.c.status).where(
        order.c.buyer_id == world.buyer.id)).all()
    plans = [(world.buyer.id, s) for s in missing(spread(target, ORDER_MIX), list(have))]
    have_others = world.count(sa.select(order.c.id).where(order.c.buyer_id != world.buyer.id,
                                                          order.c.shop_id == world.shop.id))
    plans += [(others[k % len(others)], s) for k, s in
              enumerate(spread(max(0, shop_orders - have_others), OTHER_ORDER_MIX))]
    # Oldest first: the finished ones, then the open ones by stage (placed the newest).
    finished = [p for p in plans if p[1] not in OPEN_AGE]
    aged = [(timedelta(days=2, hours=7 * (len(finished) - k)), *p) for k, p in enumerate(finished)]
    aged += [(OPEN_AGE[p[1]] - timedelta(seconds=k), *p)
             for k, p in enumerate(p for p in plans if p[1] in OPEN_AGE)]
    aged.sort(key=lambda a: -a[0].total_seconds())
    rows = [order_row(world, buyer, status, world.now - age) for age, buyer, status in aged]
    ids = world.insert(Order, [row for row, _ in rows])
    write_history(world, [(oid, row, lines) for oid, (row, lines) in zip(ids, rows)])
    return len(ids)


def order_row(world: World, buyer: int, status: Status, created) -> tuple[dict, list[dict]]:
    rng = world.rng
    picked = rng.sample(world.products, 2 if status is Status.PARTIALLY_REFUSED else rng.randint(1, 3))
    lines = [dict(product_id=p.id, title=p.title, unit_price_fen=p.price_fen,
                  quantity=rng.randint(1, 3)) for p in picked]
    items = sum(line["unit_price_fen"] * line["quantity"] for line in lines)
    refund = {Status.PARTIALLY_REFUSED: lines[-1]["unit_price_fen"] * lines[-1]["quantity"],
              Status.REFUSED: items}.get(status, 0)
    paid = status in (Status.COMPLETED, Status.PARTIALLY_REFUSED)
    window = (created + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    unpaid = status is Status.AWAITING_PAYMENT
    return dict(
        buyer_id=buyer, shop_id=world.shop.id, status=status,
        payment_method="wechat_online" if unpaid else rng.choice(
            ("cod", "cod", "wechat", "alipay", "card")),
        placed_at=None if unpaid else created,
        payment_status="paid" if paid else "unpaid", paid_fen=items - refund if paid else None,
        recipient_name="张买家" if buyer == world.buyer.id else f"买家 {buyer}",
        recipient_mobile="13900000002", address=f"北京市 朝阳区 建国路 {buyer} 号",
        district_code="110105", dest_lat=39.9087, dest_lng=116.4605, window_start=window,
        window_end=window + timedelta(hours=2), items_fen=items, delivery_fee_fen=0,
        total_fen=items, note=rng.choice(("", "", "放门口即可", "请提前电话联系")),
        idempotency_key=secrets.token_hex(16), created_at=created, updated_at=created,
    ), [dict(line, _refund=refund) for line in lines]


def write_history(world: World, orders: list[tuple[int, dict, list[dict]]]) -> None:
    """Each order's lines, events, delivery and proof, as the app would have written them."""
    lines, events, deliveries, proofs = [], [], [], []
    for order_id, row, order_lines in orders:
        status, at = row["status"], row["created_at"]
        refund = order_lines[0]["_refund"]
        for k, line in enumerate(order_lines):
            rejected = status is Status.REFUSED or (status is Status.PARTIALLY_REFUSED
                                                    and k == len(order_lines) - 1)
            inspected = status in (Status.COMPLETED, Status.PARTIALLY_REFUSED, Status.REFUSED)
            lines.append(dict(
                {k2: v for k2, v in line.items() if k2 != "_refund"}, order_id=order_id,
                inspection=("rejected" if rejected else "accepted") if inspected else None,
                reject_reason="商品破损" if rejected else ""))
        events += order_events(world, order_id, row, refund)
        if any(step[0] is Action.ASSIGN for step in PATHS[status]):
            deliveries.append(dict(order_id=order_id, courier_id=world.courier.id,
                                   assigned_at=at + timedelta(minutes=20),
                                   started_at=None if status is Status.DISPATCHED
                                   else at + timedelta(minutes=40)))
        if refund or status is Status.COMPLETED:
            proofs.append(dict(order_id=order_id, signature_png=PNG, signer_name=row["recipient_name"],
                               signer_id=row["buyer_id"], signed_at=at + timedelta(hours=2),
                               accepted_lines=[], rejected_lines=[], refund_fen=refund, scheme=2,
                               digest="0" * 64))
    for model, rows in ((OrderLine, lines), (OrderEvent, events), (Delivery, deliveries),
                        (ProofOfDelivery, proofs)):
        world.insert(model, rows)


def order_events(world: World, order_id: int, row: dict, refund: int) -> list[dict]:
    actors = {"buyer": row["buyer_id"], "merchant": world.merchant, "courier": world.courier.id}
    params = {EventKind.ASSIGNED: {"courier": world.courier.display_name},
              EventKind.FAILED: {"reason": "absent", "note": ""},
              EventKind.SIGNED: {"name": row["recipient_name"]},
              EventKind.SIGNED_WITH_REFUSALS: {"name": row["recipient_name"], "n": 1,
                                               "amount": refund},
              EventKind.REFUSED_AT_DOOR: {"name": row["recipient_name"], "amount": refund},
              EventKind.PAID: {"method": row["payment_method"], "amount_fen": row["paid_fen"],
                               "refused_fen": refund}}
    at = row["created_at"]
    status = Status.AWAITING_PAYMENT if row["status"] is Status.AWAITING_PAYMENT else Status.PLACED
    events = [dict(order_id=order_id, actor_id=row["buyer_id"], action=None, from_status=None,
                   to_status=status, kind=EventKind.PLACED, params={}, at=at)]
    for step, (action, party, kind) in enumerate(PATHS[row["status"]], 1):
        after = next_status(action, row["status"]) if action else status  # a payment: no move
        events.append(dict(order_id=order_id, actor_id=actors[party], action=action,
                           from_status=status, to_status=after, kind=kind,
                           params=params.get(kind, {}), at=at + timedelta(minutes=10 * step)))
        status = after
    return events


def next_status(action: Action, final: Status) -> Status:
    """Where `action` leads on the way to `final`."""
    return {Action.ACCEPT: Status.ACCEPTED, Action.ASSIGN: Status.DISPATCHED,
            Action.START: Status.DELIVERING, Action.ARRIVE: Status.ARRIVED,
            Action.FAIL: Status.DELIVERY_FAILED, Action.CANCEL: Status.CANCELLED,
            Action.REFUSE: Status.REFUSED, Action.TAKE_BACK: Status.RETURNED,
            Action.SIGN: final}[action]


# ---- demands and quotes ----------------------------------------------------------------------

def grow_demands(world: World, target: int, district: int, others: list[int]) -> int:
    demand = Demand.__table__
    have = world.conn.scalars(sa.select(demand.c.status).where(
        demand.c.buyer_id == world.buyer.id)).all()
    plans = [(world.buyer.id, s) for s in missing(spread(target, DEMAND_MIX), list(have))]
    have_others = world.count(sa.select(demand.c.id).where(demand.c.buyer_id != world.buyer.id))
    plans += [(others[k % len(others)], DemandStatus.OPEN)
              for k in range(max(0, district - have_others))]
    rng, rows = world.rng, []
    for k, (buyer, status) in enumerate(plans):
        fruit, origins = rng.choice(FRUITS)
        created = world.now - timedelta(minutes=5 * (len(plans) - k))
        needed = world.now + timedelta(hours=rng.randint(12, 240)) if status is DemandStatus.OPEN \
            else created + timedelta(days=1)
        rows.append(dict(
            buyer_id=buyer, title=f"求购{rng.choice(origins)}{fruit} {rng.randint(2, 50)} 斤",
            description=rng.choice(("公司下午茶用", "家庭聚会", "请报含运费的价格", "")),
            category=rng.choice(FEED_CATEGORIES), quantity=rng.randint(1, 20),
            budget_fen=rng.choice((None, 5000, 10000, 30000)), district_code="110105",
            needed_by=needed, status=status, idempotency_key=secrets.token_hex(16),
            created_at=created, updated_at=created))
    ids = world.insert(Demand, rows)
    world.insert(Quote, quotes_for(world, [(i, row) for i, row in zip(ids, rows)]))
    return len(ids)


QUOTE_STATUS = {DemandStatus.ACCEPTED: QuoteStatus.ACCEPTED, DemandStatus.CLOSED: QuoteStatus.NOT_CHOSEN,
                DemandStatus.EXPIRED: QuoteStatus.EXPIRED}


def quotes_for(world: World, demands: list[tuple[int, dict]]) -> list[dict]:
    """The demo shop's quote on a third of the open demands (live) and on the others."""
    rows = []
    for k, (demand_id, demand) in enumerate(demands):
        status = QUOTE_STATUS.get(demand["status"], QuoteStatus.LIVE)
        if status is QuoteStatus.LIVE and k % 3:
            continue
        product = world.rng.choice(world.products)
        at = demand["created_at"] + timedelta(minutes=3)
        rows.append(dict(
            demand_id=demand_id, shop_id=world.shop.id, product_id=product.id, title=product.title,
            unit_price_fen=product.price_fen, quantity=demand["quantity"], delivery_fee_fen=500,
            earliest_delivery=at + timedelta(hours=3), valid_until=demand["needed_by"], note="",
            status=status, created_at=at, updated_at=at,
            decided_at=None if status is QuoteStatus.LIVE else at + timedelta(hours=1)))
    return rows


# ---- merchant applications -----------------------------------------------------------------

def grow_applications(world: World, target: int) -> int:
    application = MerchantApplication.__table__
    have = world.conn.scalars(sa.select(application.c.status).where(
        application.c.status != ApplicationStatus.DRAFT)).all()
    wanted = missing(spread(target, APPLICATION_MIX), list(have))
    prefix, rng = "growth-merchant", world.rng
    known = world.count(sa.select(User.id).where(User.email.like(f"{prefix}-%")))
    users = world.users(prefix, Role.MERCHANT, known + len(wanted))[known:]
    rows = []
    for k, (user_id, status) in enumerate(zip(users, wanted)):
        fruit, origins = rng.choice(FRUITS)
        submitted = world.now - timedelta(hours=len(wanted) - k)
        decided = status not in (ApplicationStatus.SUBMITTED,)
        rows.append(dict(
            user_id=user_id, version=1, legal_name=f"申请人{k}", id_number_masked="1101**********0025",
            uscc="91110105MA01ABCD26", mobile=f"139{k:08d}",
            shop_name=f"{rng.choice(origins)}{fruit}小铺 {k}",
            handle_wish=f"growth-{k}", province_code="11", city_code="1101", district_code="110105",
            street=f"建国路 {k} 号", shop_address=f"北京市 市辖区 朝阳区 建国路 {k} 号", status=status,
            review_notes={"uscc": "照片不清晰"} if status is ApplicationStatus.NEEDS_INFO else {},
            review_comment="", reviewer_id=world.admin if decided else None, submitted_at=submitted,
            reviewed_at=submitted + timedelta(hours=1) if decided else None,
            created_at=submitted, updated_at=submitted))
    return len(world.insert(MerchantApplication, rows))


if __name__ == "__main__":
    main()
