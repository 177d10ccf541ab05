"""The admin's review queues are read a page at a time, oldest first (webapp/paging.py): a walk sees
every application once while new ones arrive and others are decided, each merchant's current
version only; the tabs count every page; a bad cursor is a 400 with a message; only the admin
reads them, cursor or not."""
from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest

from tests.support.helpers import HX, assert_error_page, assert_flash_error, url
from tests.support.paged import BAD_CURSOR, more_url, walk
from webapp import paging
from webapp.admin import services
from webapp.extensions import db
from webapp.models import ApplicationStatus, MerchantApplication, Role, Shop, ShopStatus, utcnow

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

ROW = r'id="application-(\d+)"'
_clock = itertools.count(1)


@pytest.fixture
def admin(client, login_as, make_user):
    return login_as(make_user(Role.ADMIN))


@pytest.fixture
def applications(make_user):
    """Make `n` merchants' applications in `status`, each submitted a moment after the last (rows,
    not forms: no document photos needed); a suspended one is an approved one whose shop is
    suspended."""

    def make(n: int, status: str = "submitted", version: int = 1) -> list[MerchantApplication]:
        made = []
        for _ in range(n):
            merchant = make_user(Role.MERCHANT)
            stored = ApplicationStatus.APPROVED if status == "suspended" else ApplicationStatus(
                status)
            application = MerchantApplication(
                user_id=merchant.id, version=version, legal_name="张三",
                id_number_masked="1101**********002X", shop_name=f"店 {merchant.id}",
                status=stored, review_notes={},
                submitted_at=utcnow() + timedelta(milliseconds=next(_clock)))
            db.session.add(application)
            db.session.flush()
            if status in ("approved", "suspended"):
                db.session.add(Shop(owner_id=merchant.id, application_id=application.id,
                                    handle=f"paged-{merchant.id}", name=application.shop_name,
                                    status=ShopStatus.SUSPENDED if status == "suspended"
                                    else ShopStatus.ACTIVE))
            made.append(application)
        db.session.commit()
        return made

    return make


@pytest.mark.parametrize("queue", ["submitted", "approved", "needs_info", "suspended"])
def test_a_walk_sees_every_application_once_while_the_queue_moves(app, client, admin,
                                                                  applications, queue):
    waiting = applications(2 * services.QUEUE_PAGE + 7, queue)
    added, decided = [], []

    def meanwhile(n: int) -> None:
        added.extend(applications(2, queue))  # newer: they join the end of the queue
        if queue == "submitted":  # one not yet shown is decided and leaves the queue
            unseen = waiting[-1 - len(decided)]
            services.approve(unseen.id, admin)
            decided.append(unseen)

    seen, texts = walk(client, url(app, "admin.applications", status=queue), ROW,
                       between=meanwhile, headers={**HX, "HX-Target": "review-queue"})
    expected = [a.id for a in waiting + added if a not in decided]
    assert seen == expected, (len(seen), len(expected))
    assert len(texts) >= 3
    assert all(len(re.findall(ROW, text)) == services.QUEUE_PAGE for text in texts[:-1])


def test_the_tabs_count_every_page(app, client, admin, applications):
    applications(2 * services.QUEUE_PAGE + 1)
    applications(3, "rejected")
    applications(services.QUEUE_PAGE + 2, "approved")
    applications(2, "suspended")
    text = client.get(url(app, "admin.applications")).text
    assert len(re.findall(ROW, text)) == services.QUEUE_PAGE
    for label, n in (("待审核", 2 * services.QUEUE_PAGE + 1), ("已驳回", 3),
                     ("已通过", services.QUEUE_PAGE + 4), ("已停业", 2), ("待补充", 0)):
        assert f'{label} <span class="count">{n}</span>' in text, label
    # The next page's rows come without the tabs (they are not recounted).
    following = client.get(more_url(text), headers=HX).text
    assert 'class="tabs"' not in following and len(re.findall(ROW, following)) == \
        services.QUEUE_PAGE


def test_a_superseded_version_is_in_no_queue_on_any_page(app, client, admin, applications):
    """A merchant asked for more who sent a new version shows up once, as that version."""
    older = applications(services.QUEUE_PAGE + 3, "needs_info")
    newer = [MerchantApplication(user_id=a.user_id, version=2, legal_name="张三",
                                 shop_name=a.shop_name, status=ApplicationStatus.SUBMITTED,
                                 review_notes={}, submitted_at=utcnow() + timedelta(hours=1))
             for a in older[:3]]
    db.session.add_all(newer)
    db.session.commit()
    asked, _ = walk(client, url(app, "admin.applications", status="needs_info"), ROW)
    waiting, _ = walk(client, url(app, "admin.applications"), ROW)
    assert asked == [a.id for a in older[3:]] and waiting == [a.id for a in newer]
    assert services.queue_counts()["needs_info"] == services.QUEUE_PAGE


CURSORS = ["garbage", paging.encode([1]), paging.encode(["2026-01-01", 1]), "%00",
           paging.encode([{"t": "x"}, 1]), "A" * 600, paging.encode([2**70, 1])]


@pytest.mark.parametrize("cursor", CURSORS)
def test_a_bad_cursor_is_a_400_with_a_message(app, client, admin, cursor):
    path = url(app, "admin.applications", status="approved") + f"&after={cursor}"
    assert_error_page(client.get(path), 400, BAD_CURSOR)
    assert_flash_error(client.get(path, headers=HX), 400, BAD_CURSOR)


@pytest.mark.parametrize("who", [Role.BUYER, Role.MERCHANT, Role.COURIER])
def test_only_the_admin_reads_a_queue_whatever_the_cursor(app, client, admin, applications,
                                                          login_as, make_user, who):
    listed = applications(services.QUEUE_PAGE + 1)
    following = more_url(client.get(url(app, "admin.applications")).text)
    login_as(make_user(who))
    for headers in ({}, HX):
        response = client.get(following, headers=headers)
        assert response.status_code == 403
        assert f'id="application-{listed[-1].id}"' not in response.text
