"""What every model builds on: the declarative base, `db` and `utcnow`, defined in
webapp/database.py (outside this package, so that extensions.py can import `db` without loading
every model)."""
from webapp.database import Base, db, utcnow

__all__ = ["Base", "db", "utcnow"]
