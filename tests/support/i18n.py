"""What the catalog tests read as `make messages` does."""
from __future__ import annotations

from pathlib import Path


def walked(path: str) -> bool:
    """The folders `make messages` reads (its --ignore-dirs): Babel's own default would also skip
    every folder starting with "_", such as templates/_macros."""
    name = Path(path).name
    return not name.startswith(".") and name not in ("__pycache__", "node_modules")
