"""The chat tests' Socket.IO connections and conversations."""
import pytest

from webapp.chat import opening
from webapp.models import Topic


@pytest.fixture
def talk(app):
    """The order's conversation of `topic`, opened by its buyer."""

    def open_(order, topic=Topic.ORDER_SHOP):
        with app.test_request_context():
            return opening.for_order(order.buyer, order.id, topic)

    return open_
