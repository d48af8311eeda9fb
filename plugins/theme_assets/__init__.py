"""Theme files get their fingerprinted names once Pelican has copied them
(workflow/build/assets.py; pages name them through the `asset()` Jinja global);
the files the build makes (js/group.js) are written under theirs."""
from pathlib import Path

from pelican import signals

from workflow.build import assets


def fingerprint(pelican):
    mapping = pelican.settings.get("GOVSITE_ASSETS")
    if mapping:
        static = Path(pelican.output_path) / pelican.settings["THEME_STATIC_DIR"]
        assets.rename(static, mapping)
        assets.write_generated(static, mapping, pelican.settings.get("GOVSITE_GENERATED_ASSETS") or {})


def register():
    signals.finalized.connect(fingerprint)
