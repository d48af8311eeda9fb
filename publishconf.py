"""Production overrides: every site at its real https:// domain."""
import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: E402,F403

GOVSITE_URL_MODE = "production"
