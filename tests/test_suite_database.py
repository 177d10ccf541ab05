"""The suite's own database mode (tests/conftest.py): in-memory SQLite by default, PostgreSQL with
TEST_SUITE_DATABASE=postgresql, and every test starting from empty tables with ids from 1."""
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.database import ON_POSTGRES, POSTGRES_CASES, app_with_tables, postgres_sample
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


class Case:
    """What postgres_sample reads of a collected test item."""

    def __init__(self, name: str, index: int | None, *, folder: str = "orders", every=False):
        self.path = Path("tests", folder, "test_x.py")
        self.cls, self.originalname = None, name
        self.callspec = None if index is None else {"index": index}
        self.every, self.nodeid = every, f"{name}[{index}]"

    def get_closest_marker(self, name):
        return object() if self.every and name == "postgres_every_case" else None


@pytest.mark.parametrize(("cases", "sample", "kept"), [
    (1, POSTGRES_CASES, [0]), (2, POSTGRES_CASES, [0, 1]), (3, POSTGRES_CASES, [0, 2]),
    (42, POSTGRES_CASES, [0, 41]),
    (3, 3, [0, 1, 2]), (4, 3, [0, 2, 3]), (5, 3, [0, 2, 4]), (10, 3, [0, 4, 9]), (42, 3, [0, 20, 41]),
])
def test_postgres_runs_a_spread_of_each_parametrised_tests_cases(cases, sample, kept):
    items = [Case("a", i) for i in range(cases)] + [Case("plain", None)]
    run, left = postgres_sample(items, sample)
    assert [item.callspec["index"] for item in run if item.callspec] == kept
    assert run[-1].originalname == "plain" and len(run) + len(left) == len(items)


def test_the_security_suite_and_marked_tests_run_every_case_on_postgres():
    items = ([Case("matrix", i, folder="security") for i in range(9)]
             + [Case("table", i, every=True) for i in range(9)] + [Case("b", i) for i in range(9)])
    run, left = postgres_sample(items)
    assert len(run) == 9 + 9 + POSTGRES_CASES and {item.originalname for item in left} == {"b"}
