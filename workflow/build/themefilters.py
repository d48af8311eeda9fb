"""Jinja filters of the theme (settings JINJA_FILTERS). Each returns text, or
Markup built from escaped parts: a field never becomes markup."""
from __future__ import annotations

import re

from markupsafe import Markup, escape

# A run of digits and Latin letters (hyphens and dots inside), with a following 号 and
# its -n: 桂公网安备45010000000001号 keeps "45010000000001号", 桂ICP备00000000号-1 keeps
# "00000000号-1", 0771-5550100 stays whole.
_NUMBER = re.compile(r"[0-9A-Za-z]+(?:[-.][0-9A-Za-z]+)*(?:号(?:-[0-9]+)?)?")


def nobr_numbers(text) -> Markup:
    """Identity numbers (网站标识码, ICP/公安备案号, phones) never split across lines:
    each run of digits and letters is kept whole; the Chinese around it still wraps."""
    out, pos = [], 0
    text = "" if text is None else str(text)
    for m in _NUMBER.finditer(text):
        out.append(escape(text[pos:m.start()]))
        out.append(Markup('<span class="nobr">%s</span>') % m[0])
        pos = m.end()
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def cn_date(d) -> str:
    """2026-07-14 -> 2026年7月14日, as a signature date is written."""
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


FILTERS = {"nobr_numbers": nobr_numbers, "cn_date": cn_date}
