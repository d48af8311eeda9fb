"""Theme files get their fingerprinted names once Pelican has copied them
(workflow/build/assets.py; pages name them through the `asset()` Jinja global)."""
from pathlib import Path

from pelican import signals

from workflow.build import assets


def fingerprint(pelican):
    mapping = pelican.settings.get("GOVSITE_ASSETS")
    if mapping:
        assets.rename(Path(pelican.output_path) / pelican.settings["THEME_STATIC_DIR"], mapping)


def register():
    signals.finalized.connect(fingerprint)
