"""The search key of a product: its title and description as search reads them, kept in step on
every write.

Four columns of `product` (deferred: only search loads them), written by the ORM events below on
insert and on any update that changes the title or description, and filled for existing rows by
migration 0011 (`fill`). All lower case, NFKC (full-width letters and digits as ASCII).

- `search_text`: the title without whitespace ("赣南脐橙5斤装": "5斤" finds "5 斤装"), a line
  break, then the title's words between spaces (" 赣南脐橙 5 斤 装 "). A word is a run of Chinese
  characters, cut before a measure or packing word (斤, 装, 礼盒…) and a few trailing descriptors,
  or a run of other letters and digits. The spaces mark where words end: search matches "橙 "
  there to find 橙 as the head of a word (脐橙, 果冻橙) but not 橙汁 (webapp/search/query.py).
- `search_pinyin`: the title's syllables, each between apostrophes ("'gan'nan'qi'cheng'jin'
  zhuang'", a match may cross words), a line break, then the same per word
  (" 'gan'nan'qi'cheng' 'jin' 'zhuang' ").
- `search_initials`: the first letter of each syllable, with the title's digits and the first
  letter of its latin words ("gnqc5jz"), a line break, then per word (" gnqc 5 j z ").
- `search_body`: the description without whitespace.

The line break never matches: a query is cut at whitespace and its control characters dropped.
"""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy import event

from webapp.models import Product
from webapp.search import pinyin

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
WORDS = re.compile(rf"[{HAN}]+|[^\W_{HAN}]+")
IS_HAN = re.compile(rf"[{HAN}]")
# A Chinese title puts the thing first and its packing after (赣南脐橙5斤装, 脐橙礼盒): a word
# ends before these. Only words that do not start ordinary nouns themselves.
TRAILING = ("礼盒", "整箱", "公斤", "千克", "新鲜", "现摘", "现发", "精品", "特级", "一级", "装",
            "箱", "斤", "袋", "盒", "罐", "瓶", "个", "只", "颗", "枚", "串", "克")
COLUMNS = ("search_text", "search_pinyin", "search_initials", "search_body")


def normal(text: str | None) -> str:
    """NFKC, lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def compact(text: str | None) -> str:
    """`normal` without whitespace."""
    return "".join(normal(text).split())


def words(title: str) -> list[str]:
    """The title's words (see the module docstring), normalised."""
    found = []
    for run in WORDS.findall(normal(title)):
        if not IS_HAN.match(run):
            found.append(run)
            continue
        start, i = 0, 1
        while i < len(run):
            trailing = next((t for t in TRAILING if run.startswith(t, i)), "")
            if trailing:
                found.append(run[start:i])
                start = i
            i += len(trailing) or 1
        found.append(run[start:])
    return found


def _per_word(title: str) -> list[tuple[str, list[str], str]]:
    """Each word with its syllables (Chinese words only) and its initials."""
    out = []
    for word in words(title):
        if IS_HAN.match(word):
            sounds = pinyin.syllables(word)
            out.append((word, sounds, "".join(s[:1] for s in sounds)))
        else:
            out.append((word, [], word if word.isdigit() else word[:1]))
    return out


def title_keys(title: str) -> dict[str, str]:
    """search_text, search_pinyin and search_initials of a product titled `title`."""
    parts = _per_word(title)
    spaced = " " + " ".join(w for w, _, _ in parts) + " "
    sounds = [s for _, word_sounds, _ in parts for s in word_sounds]
    stream = "'" + "'".join(sounds) + "'" if sounds else ""
    per_word = " " + " ".join("'" + "'".join(s) + "'" for _, s, _ in parts if s) + " "
    return {"search_text": compact(title) + "\n" + spaced,
            "search_pinyin": stream + "\n" + per_word,
            "search_initials": "".join(i for _, _, i in parts) + "\n"
                               + " " + " ".join(i for _, _, i in parts) + " "}


def keys(title: str, description: str | None) -> dict[str, str]:
    return {**title_keys(title), "search_body": compact(description)}


def refresh(product: Product) -> None:
    """Write `product`'s search key from its title and description."""
    for name, value in keys(product.title or "", product.description).items():
        setattr(product, name, value)


@event.listens_for(Product, "before_insert")
def _on_insert(mapper, connection, target: Product) -> None:
    refresh(target)


@event.listens_for(Product, "before_update")
def _on_update(mapper, connection, target: Product) -> None:
    state = sa.inspect(target)
    if state.attrs.title.history.has_changes() or state.attrs.description.history.has_changes():
        refresh(target)


def fill(connection, batch: int = 500) -> int:
    """Write the search key of every product (migration 0011); the number of rows written."""
    product = sa.table("product", sa.column("id"), sa.column("title"),
                       sa.column("description"), *(sa.column(c) for c in COLUMNS))
    rows = connection.execute(sa.select(product.c.id, product.c.title, product.c.description)
                              .order_by(product.c.id)).all()
    update = (product.update().where(product.c.id == sa.bindparam("key_id"))
              .values({c: sa.bindparam(c) for c in COLUMNS}))
    for start in range(0, len(rows), batch):
        connection.execute(update, [{"key_id": row.id, **keys(row.title, row.description)}
                                    for row in rows[start:start + batch]])
    return len(rows)
