"""The security suite's "nothing changed" check (tests/support/security.snapshot) sees a change:
a new row, an edited value (text, number, bytes, JSON, time) and a deleted row, each in the table
it happened in and no other; a change rolled back is none. On SQLite it compares the rows (read
again only when SQLite's change count moved); on PostgreSQL (the second pass) a hash per table,
worked out by the server."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, update

from tests.support.security import changed_tables, snapshot
from webapp.extensions import db
from webapp.models import OrderEvent, Product, ProofOfDelivery, Status, User

pytestmark = pytest.mark.db


def _edit(model, **values):
    """Change `values` of the test's row of `model`: the buyer, the product, the order's proof
    or its events."""
    def change(world, order):
        where = {User: User.id == world.buyer.id, Product: Product.id == world.product.id,
                 ProofOfDelivery: ProofOfDelivery.order_id == order.id,
                 OrderEvent: OrderEvent.order_id == order.id}[model]
        db.session.execute(update(model).where(where).values(**values))
    return change


CHANGES = {
    "a text": (_edit(User, display_name="改了"), "user"),
    "a number": (_edit(Product, stock=1), "product"),
    "bytes": (_edit(ProofOfDelivery, signature_png=b"\x89PNG changed"), "proof_of_delivery"),
    "JSON": (_edit(OrderEvent, params={"changed": True}), "order_event"),
    "a time": (lambda world, order: db.session.execute(update(ProofOfDelivery).where(
        ProofOfDelivery.order_id == order.id).values(
        signed_at=order.proof.signed_at + timedelta(seconds=1))), "proof_of_delivery"),
    "a new row": (lambda world, order: db.session.add(User(
        email="new@example.com", role="buyer", display_name="新", password_hash="")), "user"),
    "a deleted row": (lambda world, order: db.session.execute(
        delete(OrderEvent).where(OrderEvent.id == order.events[-1].id)), "order_event"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_is_seen_in_its_table(app, world, advance, change):
    order = advance(Status.COMPLETED)
    before = snapshot()
    assert changed_tables(before, snapshot()) == []
    make, table = CHANGES[change]
    make(world, order)
    db.session.commit()
    assert changed_tables(before, snapshot()) == [table]


def test_a_change_rolled_back_is_no_change(app, world, advance):
    """A request that writes and then fails leaves the rows as they were: no table changed
    (on SQLite the change count moved, so the rows are read again and compared)."""
    advance(Status.COMPLETED)
    before = snapshot()
    db.session.execute(update(User).where(User.id == world.buyer.id).values(display_name="改了"))
    db.session.rollback()
    assert changed_tables(before, snapshot()) == []
