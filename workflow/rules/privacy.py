"""第十六条: no personal privacy or classified material online.

Scans the title, every text field, the body and the attachments (file names,
and the text of .txt/.md/.csv files) for resident ID numbers (GB 11643 check
digit and a real birth date), mobile numbers, bank card numbers (Luhn) and
classification marks, as a line of their own, inline (机密★) or as a sentence
about the document itself (本文件为内部资料，不得外传。).

A 统一社会信用代码 (GB 32100: its check character, a region code in places
3-8) is never a bank card; it is not an ID number either when labelled as a
credit code in its sentence or table (信用代码, 纳税人识别号 …). An unlabelled
18-digit string that is both a valid ID and a valid credit code is reported as
an ID: personal data wins a tie. URLs are blanked first: a number inside a link is an
address, not a datum. Strings a reviewer listed in `privacy_allow:` (signed
with the front matter) are accepted.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from workflow.model.findings import ERROR, WARNING, Finding

SKIP_FIELDS = {"approvals", "privacy_allow"}
TEXT_ATTACHMENTS = {".txt", ".md", ".csv"}
MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024

# Links: markdown targets, autolinks, href/src attributes, bare URLs and hosts.
URL_RE = re.compile(r"\]\([^)\n]*\)|<[a-z][a-z0-9+.-]*:[^>\s]*>|(?:href|src)\s*=\s*(?:\"[^\"]*\"|'[^']*')"
                    r"|(?:https?|ftp)://[^\s<>\"'）)，。；]+|www\.[a-z0-9.-]+[^\s<>\"'）)，。；]*", re.I)

# The same matches as URL_RE: every alternative starts with one of these characters, and
# the lookahead lets the engine pass over the others (most of a Chinese text) at once.
# (It replaced a pre-check for "](", ":" or "www." that let href="…" and src='…' through.)
_URL_FAST = re.compile(r"(?=[\]<hsfw])(?:" + URL_RE.pattern + ")", re.I)
# Each number pattern opens with a lookahead on its first character (as _URL_FAST): the
# lookbehind that follows would otherwise be tried at every position of the text.
_EDGE = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
ID18_RE = re.compile(r"(?=\d)" + _EDGE[0] + r"\d{17}[\dXx]" + _EDGE[1])
ID15_RE = re.compile(r"(?=\d)" + _EDGE[0] + r"\d{15}" + _EDGE[1])
MOBILE_RE = re.compile(r"(?=[+\d])" + _EDGE[0] + r"(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}" + _EDGE[1])
CARD_RE = re.compile(r"(?=\d)" + _EDGE[0] + r"(?:\d{16,19}|\d{4}(?:[- ]\d{4}){3}(?:[- ]?\d{1,3})?)" + _EDGE[1])
CREDIT_CODE_LABEL = re.compile(r"信用代码|社会信用|组织机构代码|纳税人识别号|税号|登记证号")

# Province-level codes of GB/T 2260 (the first two digits of an ID number).
PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
             50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91}
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"
# Bank cards: UnionPay 62, Visa 4, Mastercard 5, JCB/Amex 3, old domestic 9.
CARD_PREFIXES = ("3", "4", "5", "62", "9")

_MARKS = r"(?:绝密|机密|秘密|内部资料|内部文件|内部材料|内部使用|内部刊物|内部参考|内部传阅|仅供内部(?:使用|参考|传阅)" \
         r"|不得公开|不予公开|不宜公开|此件不公开|注意保密|严禁外传|请勿外传|不得外传|涉密)"
MARK_LINE_RE = re.compile(r"^[\s#>*（(【\[]*(?:此件|本件|本文件|本文)?\s*" + _MARKS
                          + r"(?:\s*[★☆]\s*\S{0,8})?(?:[\s、，,；;。]*" + _MARKS + r")*\s*[。．.！!]?\s*[）)】\]]?\s*$")
# A sentence about the document itself: 本文件为内部资料…, 此件请勿外传. Not after an opening
# quote: law text quoting a mark (对标注“此件不公开”的文件……) stays publishable.
_DOC = r"(?<![“\"「『‘'])(?:此件|本件|本文件|本文|本材料|本资料|本报告|本表)\s*"
SENTENCE_MARK_RE = re.compile(
    _DOC + r"(?:为|系|属于?|是)\s*(?:内部(?:资料|文件|材料|刊物|参考|使用)|涉密(?:文件|材料|资料)?"
    r"|(?:绝密|机密|秘密)级?(?:文件|材料|资料|件)?)(?![管工制])"
    r"|" + _DOC + r"(?:仅供内部(?:使用|参考|传阅)|(?:请)?注意保密|不得(?:外传|对外公开|公开|转发|外泄)"
    r"|请勿(?:外传|公开|转发)|严禁(?:外传|公开|转发))")
MARK_INLINE_RE = re.compile(r"(?:绝密|机密|秘密)\s*[★☆]|密\s*级\s*[：:]\s*(?:绝密|机密|秘密|内部)"
                            r"|[（(【\[]\s*(?:此件|本件)?\s*(?:内部资料|内部文件|注意保密|不得公开|不予公开|不公开|严禁外传|请勿外传)\s*[）)】\]]")


@dataclass
class Segment:
    """A piece of text to scan and how to find the file line of an offset in it."""
    path: str           # repository-relative path of the file holding the text
    field: str | None   # front-matter field, "attachments" or None for the body
    text: str
    line: int | None    # file line of the text's first line
    search: list | None = None   # (line, text) of the file lines to look a match up in

    @cached_property
    def blank(self) -> str:
        """The text with URLs blanked (worked out once for every rule that scans it)."""
        return blank_urls(self.text)

    def line_at(self, offset: int, found: str) -> int | None:
        if self.search:
            for number, text in self.search:
                if found in text:
                    return number
            return self.line
        return self.line + self.text.count("\n", 0, offset) if self.line else None


def blank_urls(text: str) -> str:
    """The text with every URL replaced by spaces (offsets and lines kept)."""
    return _URL_FAST.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def _strings(value, name):
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{name}[{i}]")
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{name}.{k}")


def segments(item, ctx=None) -> list[Segment]:
    """Every text of an item an editor wrote: fields, body, attachments (once per item and run)."""
    if ctx is not None:
        return ctx.remember(("segments", item.relpath, item.sha256), lambda: segments(item))
    return list(_segments(item))


def _segments(item):
    lines = item.text.split("\n")
    starts = sorted(item.lines.values())
    closing = item.body_line - 1

    def block(key):   # (line, text) of the front-matter lines of a key
        if key not in item.lines:
            return None
        start = item.lines[key]
        end = next((s for s in starts if s > start), closing)
        return [(i + 1, lines[i]) for i in range(start - 1, end - 1)]

    for key, value in item.fields.items():
        if key in SKIP_FIELDS:
            continue
        search = block(key)
        for name, text in _strings(value, key):
            yield Segment(item.relpath, name, text, item.line_of(key), search)
    yield Segment(item.relpath, None, item.body, item.body_line)
    for entry in item.fields.get("attachments") or []:
        name = entry.get("file")
        text = _attachment_text(item.path.parent, name) if isinstance(name, str) else None
        if text is not None:
            yield Segment(str(Path(item.relpath).parent / name), "attachments", text, 1)


def _attachment_text(folder: Path, name: str) -> str | None:
    if any(c in name for c in "\x00\\") or any(ord(c) < 32 for c in name):
        return None   # the attachment rules refuse such a name; never hand it to the OS
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()) or path.suffix.lower() not in TEXT_ATTACHMENTS:
        return None   # the attachment checks report missing or misplaced files
    try:
        if not path.is_file() or path.stat().st_size > MAX_ATTACHMENT_BYTES:
            return None
        raw = path.read_bytes()
    except OSError:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding).replace("\r\n", "\n")
        except UnicodeDecodeError:
            continue
    return None


def allowed(item) -> set[str]:
    allow = set()
    for entry in item.fields.get("privacy_allow") or []:
        allow.add(entry.strip())
        allow.add(re.sub(r"\D", "", entry))
    allow.discard("")
    return allow


# --- the checks -------------------------------------------------------------

def birth_date(text: str) -> dt.date | None:
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def id_check_digit(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]


RECENT = dt.date(2020, 1, 1)     # only a birth date after this needs to know what day it is


def is_resident_id(number: str, today=None) -> bool:
    """An 18-digit (GB 11643) or 15-digit (legacy) resident ID number. `today`: a date,
    or a function giving it (asked only for a recent birth date: a decision about a text
    without one does not depend on the day)."""
    number = number.upper()
    if len(number) == 18:
        born = birth_date(number[6:14])
        if not (int(number[:2]) in PROVINCES and born is not None and dt.date(1900, 1, 1) <= born
                and id_check_digit(number[:17]) == number[17]):
            return False
        if born < RECENT:
            return True
        today = today() if callable(today) else today or dt.date.today()
        return born <= today
    if len(number) == 15 and number.isdigit():
        return int(number[:2]) in PROVINCES and birth_date("19" + number[6:12]) is not None
    return False


_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def is_credit_code(code: str) -> bool:
    """A 统一社会信用代码 (GB 32100): places 3-8 a region code (GB/T 2260; 10 for
    central registrations) and the right check character."""
    code = code.upper()
    if len(code) != 18 or any(c not in _CREDIT_CHARS for c in code):
        return False
    if not code[2:8].isdigit() or int(code[2:4]) not in PROVINCES | {10}:
        return False
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(code, _CREDIT_WEIGHTS))
    return _CREDIT_CHARS[(31 - total % 31) % 31] == code[17]


def labelled(text: str, start: int) -> bool:
    """Is a credit-code label in the paragraph or table (the block up to a blank line) before `start`?"""
    block = text.rfind("\n\n", 0, start)
    return CREDIT_CODE_LABEL.search(text, block + 1 if block >= 0 else 0, start) is not None


def luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def mask(text: str) -> str:
    """Shown in messages and reports instead of the number itself."""
    digits = re.sub(r"[\s-]", "", text)
    keep = 3 if len(digits) <= 11 else 6
    return digits[:keep] + "*" * (len(digits) - keep - 4) + digits[-4:]


def _finding(rule, seg, offset, found, message, fix):
    return Finding(rule, ERROR, seg.path, seg.line_at(offset, found), message, seg.field or "body", fix)


_ALLOW_FIX = "；如经审核确可公开，请审核人在 privacy_allow 中列出原文后重新审核"


def scan_numbers(seg: Segment, allow: set[str], today):
    text = seg.blank
    taken: list[tuple[int, int]] = []
    where = "附件" if seg.field == "attachments" else f"字段 {seg.field}" if seg.field else "正文"

    def ok(m):
        return m.group() not in allow and re.sub(r"\D", "", m.group()) not in allow

    for m in list(ID18_RE.finditer(text)) + list(ID15_RE.finditer(text)):
        if not is_resident_id(m.group(), today) or not ok(m):
            continue
        if is_credit_code(m.group()) and labelled(text, m.start()):
            continue
        taken.append(m.span())
        yield _finding("privacy.id-number", seg, m.start(), m.group(),
                       f"{where}含有居民身份证号码（{mask(m.group())}），属于个人隐私，不得上网",
                       "删除身份证号码，或只保留前后几位并以 * 遮盖" + _ALLOW_FIX)
    for m in CARD_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if any(s <= m.start() < e for s, e in taken) or not 16 <= len(digits) <= 19 or is_credit_code(digits):
            continue
        if digits.startswith(CARD_PREFIXES) and luhn(digits) and ok(m):
            taken.append(m.span())
            yield _finding("privacy.bank-card", seg, m.start(), m.group(),
                           f"{where}含有银行卡号（{mask(m.group())}），属于个人隐私，不得上网",
                           "删除银行卡号；公示单位对公账户时，由审核人在 privacy_allow 中列出原文后重新审核")
    for m in MOBILE_RE.finditer(text):
        if any(s <= m.start() < e for s, e in taken) or not ok(m):
            continue
        number = re.sub(r"\D", "", m.group())[-11:]
        yield _finding("privacy.mobile", seg, m.start(), m.group(),
                       f"{where}含有手机号码（{mask(number)}），属于个人隐私，不得上网",
                       "删除手机号码，或改为单位的办公电话；对外公布的服务热线等确可公开的号码，请审核人在 privacy_allow 中列出原文后重新审核")


def scan_marks(seg: Segment):
    text = seg.blank
    where = "附件" if seg.field == "attachments" else f"字段 {seg.field}" if seg.field else "正文"
    offset = 0
    for line in text.split("\n"):
        m = MARK_LINE_RE.match(line) or MARK_INLINE_RE.search(line) or SENTENCE_MARK_RE.search(line)
        if m:
            found = m.group().strip()
            yield Finding("secret.marking", ERROR, seg.path, seg.line_at(offset + m.start(), found),
                          f"{where}含有密级或内部标志“{found}”：涉密或内部信息不得上网", seg.field or "body",
                          "确认该信息已解密或可以公开：删除该标志并重新进行保密审查；不能公开的信息不得发布")
        offset += len(line) + 1


# Every pattern above needs one of these: 11 digits in a row, digits around a
# separator, or a word of a marking (not 公开 or 密 alone: 政务公开, 密切 are
# everywhere). Text without any is skipped unscanned.
MAYBE_RE = re.compile(r"(?=[\d绝机秘保涉密内不外])(?:\d{11}|\d[- ]\d{4}|绝密|机密|秘密|保密|涉密|密\s*级"
                      r"|内部(?:资料|文件|材料|使用|刊物|参考|传阅)|不得公开|不予公开|不宜公开|不公开|外传)")


def privacy(item, ctx):
    allow = allowed(item)
    today = lambda: ctx.as_of     # noqa: E731 - read only when a number needs it
    segs = segments(item, ctx)
    joined = "\n".join(seg.text for seg in segs)
    if MAYBE_RE.search(joined):
        for seg in segs:
            yield from scan_numbers(seg, allow, today)
            yield from scan_marks(seg)
    # An allowance nothing needs any more is an approval nobody reviews again: say so.
    if not item.fields.get("privacy_allow"):
        return
    compact = re.sub(r"[\s-]", "", joined)
    for entry in item.fields.get("privacy_allow") or []:
        digits = re.sub(r"\D", "", entry)
        if entry.strip() not in joined and not (digits and digits in compact):
            yield Finding("privacy.allow-unused", WARNING, item.relpath, item.line_of("privacy_allow"),
                          f"privacy_allow 中的“{entry}”在信息中没有出现", "privacy_allow",
                          "删除这一项（审核人确认可公开的文字应与正文一致）")
