"""A withdrawal block that does not verify refuses the item (it never comes back by accident)."""
from __future__ import annotations

from .. import withdrawal


def check(item, ctx):
    found = []
    withdrawal.verified(item, ctx, found)
    yield from found


ORDER = 15
RULES = [check]
