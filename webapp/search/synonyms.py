"""Synonyms per product category: a search for 马铃薯 also finds produce titled 土豆.

A group is a line of words that mean the same thing in one category (table `synonym_group`).
Search looks up the groups holding a term (`alternatives`) and matches each other word of a
group only in products of that group's category: 番茄 (tomato) is not 西红柿 for a seed seller
filed under flowers. Admins edit all groups on one page (/admin/synonyms): a textarea per
category, one group per line, words separated by spaces or commas; `parse` checks it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, select

from webapp.catalog.categories import CATEGORIES
from webapp.extensions import db
from webapp.models import SynonymGroup
from webapp.search.keys import normal

MAX_GROUPS = 100  # per category
MAX_WORDS = 12  # per group
MAX_WORD = 20  # characters
SEPARATORS = re.compile(r"[\s,，、;；]+")
# What migration 0011 seeds (its own frozen copy): the page shows them for editing.
SEED = {
    "produce": ["土豆 马铃薯 洋芋", "番茄 西红柿", "红薯 地瓜 番薯", "香菜 芫荽", "玉米 苞米 苞谷"],
    "grocery": ["面粉 小麦粉", "酱油 豉油"],
}


@dataclass(frozen=True)
class Alternative:
    category: str
    words: tuple[str, ...]


def alternatives(term: str) -> list[Alternative]:
    """For each group that holds `term` (normalised), its category and its other words."""
    found = []
    rows = db.session.execute(select(SynonymGroup.category, SynonymGroup.words)
                              .order_by(SynonymGroup.id))
    for category, words in rows:
        group = words.split()
        if term in group:
            found.append(Alternative(category, tuple(w for w in group if w != term)))
    return found


def texts() -> dict[str, str]:
    """Each category's groups as the page's textarea shows them, one per line."""
    lines: dict[str, list[str]] = {key: [] for key in CATEGORIES}
    for group in db.session.scalars(select(SynonymGroup).order_by(SynonymGroup.id)):
        lines.setdefault(group.category, []).append(group.words)
    return {key: "\n".join(value) for key, value in lines.items()}


def parse(text: str) -> tuple[list[str], list[str]]:
    """A textarea's groups (each its words, normalised, joined by spaces) and what is wrong
    with it, by line."""
    groups, problems = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        words = list(dict.fromkeys(w for w in SEPARATORS.split(normal(line)) if w))
        if not words:
            continue
        if len(words) < 2:
            problems.append(_("第 %(n)s 行：一组至少要有两个词。", n=number))
        elif len(words) > MAX_WORDS:
            problems.append(_("第 %(n)s 行：一组最多 %(max)s 个词。", n=number, max=MAX_WORDS))
        elif any(len(w) > MAX_WORD for w in words):
            problems.append(_("第 %(n)s 行：每个词最多 %(max)s 个字。", n=number, max=MAX_WORD))
        else:
            groups.append(" ".join(words))
    if len(groups) > MAX_GROUPS:
        problems.append(_("最多 %(max)s 组。", max=MAX_GROUPS))
    return groups, problems


def replace(groups: dict[str, list[str]]) -> None:
    """Make the table hold exactly `groups` (category -> its groups); the caller commits (with
    its audit row), so readers see the old groups or the new, never a mix."""
    db.session.execute(delete(SynonymGroup))
    db.session.add_all(SynonymGroup(category=category, words=words)
                       for category, lines in groups.items() for words in lines)
