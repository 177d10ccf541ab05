"""The suite's own database mode (tests/conftest.py): in-memory SQLite by default, PostgreSQL with
TEST_SUITE_DATABASE=postgresql, and every test starting from empty tables with ids from 1."""
import pytest
from sqlalchemy import func, select

from tests.support.database import ON_POSTGRES, app_with_tables
from webapp.extensions import db
from webapp.models import Role, User

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def test_the_app_fixture_runs_on_the_chosen_database(app):
    assert db.engine.dialect.name == ("postgresql" if ON_POSTGRES else "sqlite")
    if ON_POSTGRES:
        database = db.session.scalar(select(func.current_database()))
        assert database.startswith("t_") and database != "test"


def test_a_test_leaves_rows_behind(app, make_user):
    first = make_user(Role.BUYER)
    make_user(Role.MERCHANT)
    assert first.id == 1
    assert db.session.scalar(select(func.count(User.id))) == 2


def test_the_next_test_starts_empty_with_ids_from_1(app, make_user):
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert make_user(Role.BUYER).id == 1


def test_an_app_inside_another_shares_its_rows(app, make_user):
    """Two app fixtures at once (a test's own config beside `app`) see one database on
    PostgreSQL, so the inner one must not empty the tables under the outer one's feet."""
    user = make_user(Role.BUYER)
    for inner in app_with_tables():
        with inner.app_context():
            seen = db.session.scalar(select(func.count(User.id)))
        assert seen == (1 if ON_POSTGRES else 0)
    assert db.session.get(User, user.id) is not None
