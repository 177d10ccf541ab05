"""Order lists (the shop's board, the buyer's orders, the courier's deliveries) cost the same
number of queries for 2 orders as for 12 (no query per order)."""
import pytest
from sqlalchemy import event

from tests.support.helpers import HX
from webapp.delivery import lists as delivery_lists
from webapp.extensions import db
from webapp.models import Role, Status

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def statements(client, path: str) -> int:
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path, headers=HX).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


@pytest.mark.parametrize(("role", "path"), [(Role.MERCHANT, "/orders/board"),
                                            (Role.BUYER, "/orders/"),
                                            (Role.COURIER, "/delivery/")])
def test_order_lists_do_not_query_per_order(client, login_as, world, advance, role, path):
    world.product.stock = 100
    db.session.commit()
    login_as({Role.MERCHANT: world.merchant, Role.BUYER: world.buyer,
              Role.COURIER: world.courier}[role])
    for _ in range(2):
        advance(Status.DISPATCHED)
    few = statements(client, path)
    # More orders, still within every list's first page (the courier's finished deliveries are
    # read only under the last page of open ones: another page would read one list less).
    for _ in range(min(10, delivery_lists.OPEN_PAGE - 2)):
        advance(Status.DISPATCHED)
    assert statements(client, path) == few
