"""Link policy (第三十一条): allowlisted external links, resolvable internal links.

Placeholder hook points used by the build; the link-policy work fills them.
"""
from __future__ import annotations

from pathlib import Path

from .findings import Finding


def check_theme(group) -> list[Finding]:
    """Findings for links in the theme's templates and CSS (errors fail the build)."""
    return []


def check_built(staging: Path, group, site_ids: list[str]) -> dict[str, list[Finding]]:
    """After building: internal links that do not resolve, per built page."""
    return {}
