"""In-process cost of the demand feeds and the admin queues at 10 and at 1,000 items (issue 17).

    .venv/bin/python -m bench.paging_demands_admin [--database URL] [--requests 20]

For each list, a fresh database holds N items of it (added with Core executemany inserts); the
Flask test client then reads the list's first page `--requests` times, after one warm-up read,
and the figures are the CPU time (time.process_time) per request and the bytes of the answer,
at 10, 100 and 1,000 items. The goal: the list at 1,000 items costs at most 1.5x the list at 10,
in CPU and in bytes (x: the ratio 1,000 / 10). A page holds 20-25 rows, so from 100 items on the
figures should stay flat: what grows between 10 and 100 is the first page filling up.
Without --database it runs on a SQLite file in a temporary folder; a PostgreSQL URL must name a
database that may be emptied (its tables are dropped and made anew for each run).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import (
    ApplicationStatus,
    Demand,
    DemandStatus,
    MerchantApplication,
    Quote,
    QuoteStatus,
    Role,
    Shop,
    User,
    utcnow,
)

HERE = "110105"


def _people() -> dict:
    """A buyer, a merchant with an approved shop in HERE, an admin; their ids."""
    users = [User(role=role, email=f"{role}@bench.example", password_hash="x", display_name=str(role))
             for role in (Role.BUYER, Role.MERCHANT, Role.ADMIN)]
    db.session.add_all(users)
    db.session.flush()
    shop = Shop(owner_id=users[1].id, handle="bench-shop", name="基准店", district_code=HERE,
                verified_at=utcnow())
    db.session.add(shop)
    db.session.commit()
    return {"buyer": users[0].id, "merchant": users[1].id, "admin": users[2].id, "shop": shop.id}


def _demands(ids: dict, n: int) -> list[int]:
    now = utcnow()
    db.session.execute(insert(Demand), [
        {"buyer_id": ids["buyer"], "title": f"需求 {i}", "description": "", "category": "produce",
         "quantity": 1, "budget_fen": 10000, "district_code": HERE,
         "needed_by": now + timedelta(days=2), "status": DemandStatus.OPEN,
         "idempotency_key": f"k{i}", "created_at": now - timedelta(minutes=n - i),
         "updated_at": now} for i in range(n)])
    db.session.commit()
    return list(db.session.scalars(db.select(Demand.id).order_by(Demand.id)))


def grow_feed(ids: dict, n: int) -> None:
    """n open demands in the shop's district, each with the shop's live quote."""
    now = utcnow()
    demand_ids = _demands(ids, n)
    db.session.execute(insert(Quote), [
        {"demand_id": d, "shop_id": ids["shop"], "title": "报价", "unit_price_fen": 900,
         "quantity": 1, "delivery_fee_fen": 0, "earliest_delivery": now + timedelta(hours=3),
         "valid_until": now + timedelta(days=1), "note": "", "status": QuoteStatus.LIVE,
         "created_at": now, "updated_at": now - timedelta(seconds=n - i)}
        for i, d in enumerate(demand_ids)])
    db.session.commit()


def grow_applications(status: ApplicationStatus):
    def grow(ids: dict, n: int) -> None:
        now = utcnow()
        db.session.execute(insert(User), [
            {"role": Role.MERCHANT, "email": f"m{i}@bench.example", "password_hash": "x",
             "display_name": f"商家 {i}", "active": True, "session_generation": 0,
             "created_at": now} for i in range(n)])
        db.session.commit()
        users = list(db.session.scalars(db.select(User.id).where(
            User.email.like("m%@bench.example")).order_by(User.id)))
        db.session.execute(insert(MerchantApplication), [
            {"user_id": u, "version": 1, "legal_name": "张三", "id_number_masked": "1101**********1234",
             "uscc": "", "mobile": "13900000000", "shop_name": f"申请店 {i}", "handle_wish": "",
             "province_code": "11", "city_code": "1101", "district_code": HERE, "street": "",
             "shop_address": "", "status": status, "review_notes": {}, "review_comment": "",
             "created_at": now, "updated_at": now, "submitted_at": now - timedelta(minutes=n - i)}
            for i, u in enumerate(users)])
        db.session.commit()
    return grow


LISTS = {
    # name: (who reads it, path, how it grows)
    "merchant feed + my quotes": ("merchant", "/demands/feed", grow_feed),
    "buyer's demands": ("buyer", "/demands/", lambda ids, n: _demands(ids, n)),
    "admin queue (submitted)": ("admin", "/admin/applications?status=submitted",
                                grow_applications(ApplicationStatus.SUBMITTED)),
    "admin queue (approved)": ("admin", "/admin/applications?status=approved",
                               grow_applications(ApplicationStatus.APPROVED)),
}


def measure(url: str, who: str, path: str, grow, n: int, requests: int) -> tuple[float, int]:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        ids = _people()
        grow(ids, n)
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(db.session.get(User, ids[who]).get_id())
            session["_fresh"] = True
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        start = time.process_time()
        for _ in range(requests):
            response = client.get(path)
        cpu = (time.process_time() - start) / requests
        size = len(response.get_data())
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return cpu, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="")
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
        print(f"{'list':28} {'ms@10':>6} {'@100':>6} {'@1000':>6} {'x':>5}"
              f" {'B@10':>6} {'@100':>6} {'@1000':>6} {'x':>5}")
        for name, (who, path, grow) in LISTS.items():
            (c1, b1), (c2, b2), (c3, b3) = (measure(url, who, path, grow, n, args.requests)
                                            for n in (10, 100, 1000))
            print(f"{name:28} {c1 * 1000:6.1f} {c2 * 1000:6.1f} {c3 * 1000:6.1f} {c3 / c1:5.2f}"
                  f" {b1:6d} {b2:6d} {b3:6d} {b3 / b1:5.2f}")

if __name__ == "__main__":
    main()
