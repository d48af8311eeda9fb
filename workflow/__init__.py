"""govsite: the publishing pipeline of a group of government websites.

Data flows one way: content -> rules -> build -> report/deploy.
"""
from pathlib import Path

# The repository root: content/, themes/, plugins/, keys/ live here.
ROOT = Path(__file__).resolve().parent.parent
