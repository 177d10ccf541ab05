from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
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
