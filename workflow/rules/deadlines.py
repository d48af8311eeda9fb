"""Working-day deadlines: 第十八条 (disclose within 20 working days of the
information being formed) and 第二十四条 (answer letters within 7 working
days; an approved extension ends at most 30 working days after receipt).
Late is a warning (published, but reported); impossible dates are errors."""
from __future__ import annotations

from .. import workdays
from ..findings import ERROR, WARNING, Finding
from ..workdays import CalendarRangeError


def _calendar(item, exc: CalendarRangeError, field: str) -> Finding:
    return Finding("calendar.out-of-range", ERROR, item.relpath, item.line_of(field), exc.message, field, exc.fix)


def disclosure(item, ctx):
    formed, date = item.fields.get("formed"), item.fields.get("date")
    if formed is None or date is None or item.fields.get("republished"):
        return          # missing dates are the schema's; a reprint was formed elsewhere
    published = date.date()
    limit = workdays.policy()["disclosure_workdays"]
    if formed > published:
        yield Finding("disclosure.formed-after-date", ERROR, item.relpath, item.line_of("formed"),
                      f"信息形成日期 {formed} 晚于发布时间 {published}，不可能先发布后形成", "formed",
                      "核对 formed（信息形成或变更的日期）和 date（发布时间），改正写错的一个")
        return
    try:
        late = workdays.exceeds(formed, published, limit)
        days = workdays.count(formed, published) if late else None
    except CalendarRangeError as exc:
        yield _calendar(item, exc, "formed" if not workdays.known(formed) else "date")
        return
    if late:
        yield Finding("disclosure.late", WARNING, item.relpath, item.line_of("date"),
                      f"信息形成于 {formed}，{published} 才发布，相隔 {days} 个工作日，"
                      f"超过第十八条规定的 {limit} 个工作日", "date",
                      f"自信息形成或变更之日起 {limit} 个工作日内公开；核对 formed 是否写对（逾期情况计入网站管理报告）")


def letter(item, ctx):
    f = item.fields
    received = f.get("received")
    if f.get("type") != "letter" or received is None:
        return
    if any(item.meta.get(n) is not None and n not in f for n in ("replied", "extended_to")):
        return          # a malformed date: the schema reports it, we do not guess around it
    replied, extended, approver = f.get("replied"), f.get("extended_to"), f.get("extension_approved_by")
    policy = workdays.policy()
    if replied is not None and replied < received:
        yield Finding("letter.reply-before-received", ERROR, item.relpath, item.line_of("replied"),
                      f"答复时间 {replied} 早于来信时间 {received}", "replied",
                      "核对 received（来信时间）和 replied（答复时间），改正写错的一个")
        return
    if extended is not None and extended < received:
        yield Finding("letter.reply-before-received", ERROR, item.relpath, item.line_of("extended_to"),
                      f"延期答复期限 {extended} 早于来信时间 {received}", "extended_to",
                      "核对 extended_to（延期答复期限），它应在来信时间之后")
        return
    limit, deadline = policy["letter_reply_workdays"], None
    try:
        if extended is not None and not approver:
            yield Finding("letter.extension-unapproved", WARNING, item.relpath, item.line_of("extended_to"),
                          f"延期答复至 {extended}，但没有写明批准人，延期不予认可，按 {limit} 个工作日计算",
                          "extension_approved_by",
                          "填写 `extension_approved_by: 分管领导职务`（第二十四条：延期须经单位分管领导同意）")
        elif extended is not None:
            most = policy["letter_extension_workdays"]
            if workdays.exceeds(received, extended, most):
                yield Finding("letter.extension-too-long", WARNING, item.relpath, item.line_of("extended_to"),
                              f"延期答复期限 {extended} 超过来信后 {most} 个工作日，超出部分不予认可",
                              "extended_to", f"延期答复期限最长为来信之日起 {most} 个工作日")
                limit = most
            elif not workdays.exceeds(received, extended, limit):
                pass     # an "extension" inside the normal limit changes nothing
            else:
                deadline = extended
        end = replied or ctx.as_of
        overdue = end > deadline if deadline else workdays.exceeds(received, end, limit)
        days = workdays.count(received, end) if overdue else None
    except CalendarRangeError as exc:
        field = next((n for n in ("received", "replied", "extended_to") if f.get(n) and f[n].year == exc.year), None)
        finding = _calendar(item, exc, field or "received")
        if field is None:    # the report date, not a date of the letter, is outside the calendar
            finding = Finding(finding.rule, ERROR, finding.path, finding.line,
                              f"判断尚未答复的信件是否超期时，截至日期 {ctx.as_of} 出错：{exc.message}",
                              "received", exc.fix)
        yield finding
        return
    if not overdue:
        return
    allowed = f"延期答复期限 {deadline}" if deadline else f"规定的 {limit} 个工作日"
    if replied:
        message = f"来信 {received} 收到，{replied} 才答复，用时 {days} 个工作日，超过{allowed}"
        fix = "今后在期限内答复；确需延期的，经分管领导同意后填写 extended_to 和 extension_approved_by"
    else:
        message = f"来信 {received} 收到，截至 {ctx.as_of} 尚未答复，已过 {days} 个工作日，超过{allowed}"
        fix = "尽快答复并填写 replied（答复时间）；确需延期的，经分管领导同意后填写 extended_to 和 extension_approved_by"
    yield Finding("letter.overdue", WARNING, item.relpath, item.line_of("replied" if replied else "received"),
                  message, "replied", fix)


ORDER = 40
RULES = [disclosure, letter]
