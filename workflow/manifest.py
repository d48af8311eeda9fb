"""manifest.json of a built site (anti-tamper, 第二十七条). Placeholder hook point."""
from __future__ import annotations

from pathlib import Path


def write_manifest(site_dir: Path, site, decisions, build_info: dict) -> None:
    """Write site_dir/manifest.json: SHA-256 of every file, build info, approvals per item."""
