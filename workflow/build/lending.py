"""Where an item's page is shown besides its own site: each feature of the site
group declares it, so that a site is rebuilt when, and only when, something it
shows changes (workflow/buildcache.py fingerprints).

A lender is `lender(decisions, group) -> iterable of (receiving site id, decision)`.
"""
from __future__ import annotations

from workflow.build import interpretation, supersession, syndication, topics

LENDERS = [syndication.lending, topics.lending, interpretation.lending, supersession.lending]
