"""The delivery tests' Socket.IO fixture and position helpers."""
import pytest


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
