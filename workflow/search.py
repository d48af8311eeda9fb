"""Site search (pagefind). Placeholder hook point used by the build."""
from __future__ import annotations

from pathlib import Path


def index_site(site_dir: Path) -> None:
    """Build the search index of one built site, in place."""
