"""govsite: the publishing pipeline of a group of government websites.

The packages are the stages, and data flows one way through them (an import
contract test keeps it so: tests/test_architecture.py):

    model    items, site.yaml, schemas, dates, Markdown, files: what the content is
    policy   the city's tunable policy: data files, working days, URLs and the allowlist
    review   signatures, withdrawals, who may do what, what Git says
    rules    the rule set: one finding per problem
    gate     per item publish / refuse, in parallel, remembered; the run's context
    build    the site group with Pelican: pipeline, cache, features, search, manifests, links
    publish  deploy, rollback, anti-tamper, nginx, the preview server, LinkChecker
    report   the web office's report, the annual form, the audit trail
    cli      `govsite`: parse, call, print
"""
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent   # workflow/: its code is part of every cache key
DATA = PACKAGE / "data"                      # the policy data files the package ships
