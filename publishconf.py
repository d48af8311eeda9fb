"""Production overrides: every site at its real https:// domain."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))   # this repository's pelicanconf, from any cwd
from pelicanconf import *  # noqa: E402,F403

GOVSITE_URL_MODE = "production"
