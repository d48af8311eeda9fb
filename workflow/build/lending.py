"""Where an item's page is shown besides its own site: each feature of the site
group declares it, so that a site is rebuilt when, and only when, something it
shows changes (workflow/buildcache.py fingerprints).

A lender is `lender(decisions, group, find) -> iterable of (receiving site id, decision)`,
called with the decisions of one site at a time; `find(key)` gives the decision of the
item `<site>/<column>/<slug>` anywhere in the group (or None), for a relation that
brings another site's page to this one. Every pair belongs to the site whose items
made it: that site's summary remembers it (workflow/build/summary.py).
"""
from __future__ import annotations

from workflow.build import interpretation, supersession, syndication, topics

LENDERS = [syndication.lending, topics.lending, interpretation.lending, supersession.lending]
