"""The admin's synonym page: each category's groups in a textarea, saved whole with an audit row,
refused line by line with nothing changed; what it saves is what search uses."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.support.helpers import HX, assert_page, url
from webapp.extensions import db
from webapp.models import AuditLog, Role, SynonymGroup
from webapp.search import services, synonyms

pytestmark = pytest.mark.db


@pytest.fixture
def admin_client(app, client, login_as, make_user):
    login_as(make_user(Role.ADMIN))
    return client


def groups() -> set[tuple[str, str]]:
    return {(g.category, g.words) for g in db.session.scalars(select(SynonymGroup))}


def test_the_page_shows_each_categorys_groups(app, admin_client):
    synonyms.replace({"produce": ["土豆 马铃薯", "番茄 西红柿"]})
    db.session.commit()
    text = assert_page(admin_client.get(url(app, "admin.synonyms")))
    produce = re.search(r'<textarea[^>]*name="produce"[^>]*>(.*?)</textarea>', text, re.S).group(1)
    assert produce.strip() == "土豆 马铃薯\n番茄 西红柿"
    assert len(re.findall(r"<textarea", text)) == 12 and '<label for="grocery">粮油副食' in text


def test_saving_replaces_every_group_and_is_audited(app, admin_client):
    synonyms.replace({"produce": ["土豆 马铃薯"]})
    db.session.commit()
    data = dict(produce="番茄，西红柿、洋柿子\n\n  ＴＯＭＡＴＯ 番茄 番茄 ",
                grocery="面粉 小麦粉")
    response = admin_client.post(url(app, "admin.synonyms"), data=data)
    assert response.status_code == 303
    assert groups() == {("produce", "番茄 西红柿 洋柿子"), ("produce", "tomato 番茄"),
                        ("grocery", "面粉 小麦粉")}
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "synonyms.update")).one()
    assert entry.detail == {"groups": 3}
    assert services.search("tomato").products == []  # no product here; the group is read


@pytest.mark.parametrize(("text", "says"), [
    ("土豆", "第 1 行：一组至少要有两个词。"),
    ("土豆 马铃薯\n" + " ".join(f"词{n}" for n in range(13)), "第 2 行：一组最多 12 个词。"),
    ("土豆 " + "薯" * 21, "第 1 行：每个词最多 20 个字。"),
    ("\n".join(f"甲{n} 乙{n}" for n in range(101)), "最多 100 组。"),
    ("甲 乙\n" * 2000, "内容太长了"),
])
def test_a_bad_line_is_refused_and_nothing_changes(app, admin_client, text, says):
    synonyms.replace({"produce": ["土豆 马铃薯"]})
    db.session.commit()
    for headers in ({}, HX):
        response = admin_client.post(url(app, "admin.synonyms"),
                                     data=dict(produce=text), headers=headers)
        assert response.status_code == 422 and says in response.text
    assert groups() == {("produce", "土豆 马铃薯")}
