from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.models.base import db, utcnow


class SynonymGroup(db.Model):
    """Words buyers use for the same thing in one product category (土豆 马铃薯 洋芋): a search
    for one finds products of that category titled with another. Admins edit them
    (/admin/synonyms); webapp/search/synonyms.py reads and writes them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20), index=True)
    words: Mapped[str] = mapped_column(Text)  # normalised, separated by single spaces
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchToken(db.Model):
    """One token of a product's search key (webapp/search/tokens.py): which products can match a
    search term, read by index lookups instead of a scan of every product."""

    __tablename__ = "search_token"
    __table_args__ = (Index("ix_search_token_product", "product_id"), {"sqlite_with_rowid": False})

    token: Mapped[str] = mapped_column(String(8), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"),
                                            primary_key=True)
