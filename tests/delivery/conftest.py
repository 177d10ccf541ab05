"""The delivery tests' Socket.IO fixture and position helpers."""
import pytest


def events(socket, name: str) -> list[dict]:
    return [m["args"][0] for m in socket.get_received() if m["name"] == name]


def here(order, **changes) -> dict:
    return {"order_id": order.id, "lat": 39.91, "lng": 116.41, "accuracy": 8, **changes}


@pytest.fixture
def connect(app, login_as, socket_client):
    """A Socket.IO connection logged in as `user`, with the Flask test client it shares."""

    def connect_as(user):
        client = app.test_client()
        login_as(user, client)
        socket = socket_client(client)
        assert socket.is_connected()
        socket.http = client
        return socket

    return connect_as
