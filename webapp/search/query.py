"""What one search term matches, as SQL over the search key (webapp/search/keys.py).

Every match is a `LIKE` on a key column with `%`, `_` and `\\` taken literally, the same on
SQLite and PostgreSQL (the keys are lower case and NFKC already, so no ILIKE is needed). A term
(a run of the query between spaces, normalised) matches a product when:

- its title holds it: the title text (whitespace ignored), or, for a term of two or more latin
  letters, the title's pinyin (the term cut into syllables: `qicheng`, `gannanqi`, `qich` while
  typing) or the initials of its syllables (`gnqc`);
- it ends in 子 or 儿 after a stem (橙子, 桃子, 鸟儿; in pinyin chengzi, in initials cz) and the
  title has the stem as the head of a word: the last characters before a word ends. Chinese
  nouns are head-final, so 橙子 finds 脐橙 and 果冻橙 but not 橙汁 or 橙色T恤; a few words
  whose 子 is no suffix (瓜子 is not a melon, 鱼子 not a fish) are left out;
- a synonym group of a category holds it (webapp/search/synonyms.py) and a product of that
  category has another word of the group in its title;
- its description holds it or, in a synonym's category, a synonym (a description-only match);
- its shop's name holds it.

Each `LIKE` comes with the tokens a product it matches must have (webapp/search/tokens.py):
`Term.need` gathers them, so search checks the `LIKE`s only on the products that have them.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_
from sqlalchemy.sql import ColumnElement

from webapp.models import Product, Shop
from webapp.search import pinyin, tokens
from webapp.search.synonyms import Alternative

ESCAPE = "\\"
SUFFIXES = ("子", "儿")
# Words whose 子 does not make a noun of the stem before it.
NOT_SUFFIXED = frozenset({"瓜子", "松子", "莲子", "鱼子", "虾子", "种子", "男子", "女子", "孩子",
                          "面子", "日子", "样子", "儿子", "子儿"})
NOT_SUFFIXED_PINYIN = frozenset(tuple(pinyin.syllables(w)) for w in NOT_SUFFIXED)
LATIN_SUFFIXES = ("zi", "er")
INITIAL_SUFFIXES = ("z", "e")


@dataclass(frozen=True)
class Match:
    """A condition on a product and the tokens a product it holds for has (tokens.Need)."""
    where: ColumnElement
    need: tokens.Need


@dataclass(frozen=True)
class Term:
    text: str
    title: ColumnElement
    body: ColumnElement
    shop: ColumnElement
    need: tokens.Need  # a product that `title` or `body` holds for has these tokens

    @property
    def anywhere(self) -> ColumnElement:
        return or_(self.title, self.shop, self.body)


def escape(text: str) -> str:
    for char in (ESCAPE, "%", "_"):
        text = text.replace(char, ESCAPE + char)
    return text


def like_pattern(term: str) -> str:
    """`%term%` with LIKE's own characters taken literally."""
    return f"%{escape(term)}%"


def _like(column, pattern: str) -> ColumnElement:
    return column.like(pattern, escape=ESCAPE)


def _holds(column, text: str) -> ColumnElement:
    return _like(column, like_pattern(text))


def stem(term: str) -> str | None:
    """The noun before a 子 or 儿 suffix (橙子 -> 橙), else None."""
    if len(term) >= 2 and term.endswith(SUFFIXES) and term not in NOT_SUFFIXED:
        return term[:-1]
    return None


def _chinese(text: str) -> list[Match]:
    """The title text holds `text`, or the head of one of its words is `text`'s stem."""
    found = [Match(_holds(Product.search_text, text), tokens.text_need(tokens.TITLE, text))]
    if (head := stem(text)) is not None:
        found.append(Match(_like(Product.search_text, f"%{escape(head)} %"),
                           tokens.text_need(tokens.TITLE, head)))
    return found


def _initials(text: str, where: ColumnElement) -> Match:
    return Match(where, tokens.text_need(tokens.INITIALS, text))


def _latin(term: str) -> list[Match]:
    """A latin term as pinyin syllables and as initials."""
    if len(term) < 2 or not (term.isascii() and term.isalpha()):
        return []
    found = [_initials(term, _holds(Product.search_initials, term))]
    if term.endswith(INITIAL_SUFFIXES):
        found.append(_initials(term[:-1], _like(Product.search_initials, f"%{term[:-1]} %")))
    syllables = pinyin.segment(term)
    if syllables is not None:
        found.append(Match(_like(Product.search_pinyin, "%'" + "'".join(syllables) + "%"),
                           tokens.pinyin_need(syllables, finished=False)))
        if (len(syllables) >= 2 and syllables[-1] in LATIN_SUFFIXES
                and syllables not in NOT_SUFFIXED_PINYIN):
            found.append(Match(
                _like(Product.search_pinyin, "%'" + "'".join(syllables[:-1]) + "' %"),
                tokens.pinyin_need(syllables[:-1], finished=True)))
    return found


def _body(text: str) -> Match:
    return Match(_holds(Product.search_body, text), tokens.text_need(tokens.BODY, text))


def term(text: str, alternatives: list[Alternative]) -> Term:
    """What `text` (normalised, no whitespace) matches, with its synonym groups."""
    title, body = [*_chinese(text), *_latin(text)], [_body(text)]
    for alternative in alternatives:
        in_category = Product.category == alternative.category
        by_title = [m for w in alternative.words for m in _chinese(w)]
        by_body = [_body(w) for w in alternative.words]
        for matches, into in ((by_title, title), (by_body, body)):
            into.append(Match(and_(in_category, or_(*(m.where for m in matches))),
                              tokens.union(m.need for m in matches)))
    return Term(text=text, title=or_(*(m.where for m in title)),
                body=or_(*(m.where for m in body)),
                shop=Shop.name.ilike(like_pattern(text), escape=ESCAPE),
                need=tokens.union(m.need for m in (*title, *body)))
