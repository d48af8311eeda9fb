"""Working-day deadlines, all by the one rule of workflow/policy/workdays.py (the start
day is not counted; the n-th working day is the last day on time; any later
day is late): 第十八条 (disclose within 20 working days of the information
being formed — `formed`, else a policy document's 成文日期 `written`) and
第二十四条 (answer letters within 7 working days; an approved extension ends
at most on the 30th working day). A letter unanswered past 3 months is also
互动回应差 (single veto; the report judges it per site).

Late is a warning (published, but reported); impossible dates are errors.
Nothing here rests an error on the calendar: a verdict that depends on a
provisional year says 暂定 and stays a warning.
"""
from __future__ import annotations

from workflow.model.findings import ERROR, WARNING, Finding
from workflow.policy import workdays

START_FIELDS = (("formed", "信息形成日期"), ("written", "成文日期"))


def _note(deadline) -> str:
    return workdays.provisional_note(deadline.provisional) if deadline.provisional else ""


def disclosure_start(fields):
    """(field, label, date) the 第十八条 deadline runs from, or None."""
    return next(((name, label, fields[name]) for name, label in START_FIELDS if fields.get(name)), None)


def disclosure(item, ctx):
    f = item.fields
    start, date = disclosure_start(f), f.get("date")
    if start is None or date is None or f.get("republished"):
        return          # missing dates are the schema's; a reprint was formed elsewhere
    name, label, formed = start
    published = date.date()
    limit = ctx.deadlines["disclosure_workdays"]
    if formed > published:
        yield Finding("disclosure.formed-after-date", ERROR, item.relpath, item.line_of(name),
                      f"{label} {formed} 晚于发布时间 {published}，不可能先发布后形成", name,
                      f"核对 {name}（{label}）和 date（发布时间），改正写错的一个")
        return
    if (published - formed).days <= limit:
        return          # n working days never end before n calendar days
    deadline = ctx.calendar.deadline(formed, limit)
    if deadline.late(published):
        days = ctx.calendar.count(formed, published)
        yield Finding("disclosure.late", WARNING, item.relpath, item.line_of("date"),
                      f"{label} {formed}，{published} 才发布，相隔 {days} 个工作日，超过第十八条规定的 "
                      f"{limit} 个工作日（最迟应于 {deadline.day} 公开）{_note(deadline)}", "date",
                      f"自信息形成或变更之日起 {limit} 个工作日内公开；核对 {name} 是否写对（逾期情况计入网站管理报告）")


def response_limit(received, months: int):
    """The last day a letter may stay unanswered before it is 互动回应差 (`months` after it came)."""
    return workdays.months_deadline(received, months)


def letter(item, ctx):
    f = item.fields
    received = f.get("received")
    if f.get("type") != "letter" or received is None:
        return
    if any(item.meta.get(n) is not None and n not in f for n in ("replied", "extended_to")):
        return          # a malformed date: the schema reports it, we do not guess around it
    replied, extended, approver = f.get("replied"), f.get("extended_to"), f.get("extension_approved_by")
    policy, cal = ctx.deadlines, ctx.calendar
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
    limit = policy["letter_reply_workdays"]
    deadline = cal.deadline(received, limit)
    due, why, note = deadline.day, f"第 {limit} 个工作日", _note(deadline)
    if extended is not None and not approver:
        yield Finding("letter.extension-unapproved", WARNING, item.relpath, item.line_of("extended_to"),
                      f"延期答复至 {extended}，但没有写明批准人，延期不予认可，仍按 {limit} 个工作日"
                      f"（{deadline.day}）计算{note}", "extension_approved_by",
                      "填写 `extension_approved_by: 分管领导职务`（第二十四条：延期须经单位分管领导同意）")
    elif extended is not None and extended > deadline.day:
        most = policy["letter_extension_workdays"]
        longest = cal.deadline(received, most)
        if longest.late(extended):
            yield Finding("letter.extension-too-long", WARNING, item.relpath, item.line_of("extended_to"),
                          f"延期答复期限 {extended} 晚于来信后第 {most} 个工作日（{longest.day}），超出部分不予认可"
                          f"{_note(longest)}", "extended_to", f"延期答复期限最长到来信之日起第 {most} 个工作日")
            due, why, note = longest.day, f"第 {most} 个工作日", _note(longest)
        else:
            due, why, note = extended, "经批准的延期答复期限", _note(longest)
    end = replied or ctx.as_of
    if end <= due:
        return
    veto = response_limit(received, policy["letter_response_months"])
    worse = (f"；超过 {policy['letter_response_months']} 个月（{veto}）未答复，构成“互动回应差”（单项否决）"
             if end > veto else "")
    if replied:
        message = f"来信 {received} 收到，{replied} 才答复，超过答复期限 {due}（{why}）{worse}{note}"
        fix = "今后在期限内答复；确需延期的，经分管领导同意后填写 extended_to 和 extension_approved_by"
    else:
        message = (f"来信 {received} 收到，答复期限 {due}（{why}），截至 {ctx.as_of} 尚未答复，"
                   f"已超期 {(ctx.as_of - due).days} 天{worse}{note}")
        fix = "尽快答复并填写 replied（答复时间）；确需延期的，经分管领导同意后填写 extended_to 和 extension_approved_by"
    yield Finding("letter.overdue", WARNING, item.relpath, item.line_of("replied" if replied else "received"),
                  message, "replied", fix)
