"""The official layout (公文格式) of a document's or a reply's page, applied to its rendered body.

Editors paste documents as they are written: the 文号 on its own line, the addressees
(主送机关) ending with "：", the text, then the issuing body and the date. Markdown
cannot centre or right-align, so the page does it: those paragraphs get classes the
theme styles (文号 centred, addressees flush left, signature right; every other
paragraph is indented two characters by the theme). Only `<p>` start tags of whole
paragraphs are touched; nothing else of the body changes. What the body lacks (a 文号,
a signature) the theme adds from the front matter.
"""
from __future__ import annotations

import html as htmlmod
import re
from dataclasses import dataclass

_DIGITS = "0-9〇○零一二三四五六七八九十"
DATE = re.compile(rf"^[{_DIGITS}]{{4}}年[{_DIGITS}]{{1,2}}月[{_DIGITS}]{{1,3}}日$")
_PARA = re.compile(r"<p>(.*?)</p>", re.S)


@dataclass
class Layout:
    html: str
    has_number: bool = False       # the 文号 is a paragraph of the body
    has_signature: bool = False    # so is the signature's date (and the issuer above it, when written)


def official(html: str, number: str | None, signer: str | None) -> Layout:
    paragraphs = list(_PARA.finditer(html))
    texts = [htmlmod.unescape(m[1]).strip() for m in paragraphs]
    classes: dict[int, str] = {}
    first = 0
    if number and texts and texts[0] == number.strip():
        classes[0] = "doc-number"
        first = 1
    if first < len(texts) and texts[first].endswith(("：", ":")) and len(texts[first]) <= 120:
        classes[first] = "doc-to"
    signed = False
    for i, text in enumerate(texts):
        if DATE.match(text):              # a paragraph that is only a date: the signature's date
            classes[i] = "doc-signature"
            signed = True
            if i and signer and texts[i - 1] == signer.strip():
                classes[i - 1] = "doc-signature doc-signer"
    if not classes:
        return Layout(html)
    out, pos = [], 0
    for i, m in enumerate(paragraphs):
        if i in classes:
            out.append(html[pos:m.start()] + f'<p class="{classes[i]}">')
            pos = m.start() + len("<p>")
    out.append(html[pos:])
    return Layout("".join(out), 0 in classes and classes[0] == "doc-number", signed)
