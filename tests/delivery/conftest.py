"""The delivery tests' Socket.IO fixture and position helpers, and the SQL statements counter."""
import pytest
from sqlalchemy import event

from webapp.extensions import db


@pytest.fixture
def statements(app):
    """The SQL statements issued while the test runs (each socket event on a fresh session, as
    in a server)."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


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
