"""The rule set: one place, three callers (pre-commit, `govsite check`, the build).

Each rule is a function `rule(item, ctx) -> iterable of Finding`, `ctx` the run's
Checker (workflow/rules/checker.py). The order is this file's: first the item is
read (its place, then its fields: every later rule may rely on `item.fields`),
then every rule runs. No rule runs for an item whose front matter could not be
read at all; the ids and Chinese names of every finding are in catalogue.py.
"""
from __future__ import annotations

from workflow.rules import (
                            approvals,
                            attachments,
                            basics,
                            deadlines,
                            group,
                            interpretation,
                            itemlinks,
                            links,
                            privacy,
                            supersession,
                            withdrawal,
                            words,
)
from workflow.rules.checker import Checker, internal_error

# Reading the item: where it is (an item in no column is not read further), then its fields.
READING = [basics.location, basics.fields]

RULES = [
    basics.markup_in_fields, basics.confidentiality, basics.placeholders,   # 第十六条, fields are text
    approvals.check,                                                        # 第十七条: signed, by whom, when
    withdrawal.check, withdrawal.removed,                                   # 复查撤除 stays
    group.syndicate, group.tags, interpretation.interprets,                 # the site group
    supersession.superseded_by,                                             # 有效性: what replaced a document
    links.not_allowed, links.unsafe, links.malformed, links.unbalanced,     # 第三十一条, the body's HTML
    itemlinks.check,                                                        # links between items
    attachments.check, attachments.images,                                  # the files it publishes
    deadlines.disclosure, deadlines.letter,                                 # 第十八条, 第二十四条
    privacy.privacy, words.sensitive,                                       # 第十六条: privacy, secrets, words
]

__all__ = ["READING", "RULES", "Checker", "internal_error"]
