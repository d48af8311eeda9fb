"""政府网站工作年度报表: the national annual form, in its order and wording,
one table per site, with every figure the repository can supply.

From site.yaml: 网站名称, 首页网址, 主办单位, 网站类型, 标识码, ICP and 公安备案号.
From the published content of the year (an item counts in the year its `date`,
or its `modified`, falls in):
  信息发布      总数: every item; 概况类: 概况 columns; 政务动态: 要闻 and 动态 columns;
                信息公开目录: 通知公告, 政策文件, 人事任免, 政府采购 columns
  专栏专题      topics, not items: the portal's declared topics (opened by their first
                published item, intro or tagged, on any site) and each item of a 专题
                column that is no topic's intro; 维护 = opened by the year's end,
                新开设 = opened in the year
  政策解读      items naming the policy they interpret (`interprets`), by `interpretation`
  办事服务      政务服务事项数量: published service guides
  互动交流      letters received in the year (any state but withdrawn), answered, average
                days from receipt to answer (calendar days, as the form asks), answered
                publicly (published with a reply); surveys opened in the year and those
                with `results_published`; interviews held in the year and the answers to
                questions whose `asker` is a netizen (网民/网友)
Everything else (访问量, 注册用户, 办件量, 安全检测 …) comes from the optional
policy/annual/<year>.yaml the web office fills in, else reads 需另行填报.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from workflow.model import relations as interpretation
from workflow.model import yamlio
from workflow.model.findings import ERROR, ConfigError, Finding
from workflow.review.permissions import State

MISSING = "需另行填报"
INPUT = "policy/annual/{year}.yaml"
SITE_KINDS = {"portal": "政府门户网站", "district": "政府门户网站", "department": "部门网站"}
FAMILY_TYPES = {"概况类信息更新量": {"概况"}, "政务动态信息更新量": {"要闻", "动态"},
                "信息公开目录信息更新量": {"通知公告", "政策文件", "人事任免", "政府采购"}}
NETIZEN = ("网民", "网友", "群众", "市民")

# (section, item, unit, key): the form's rows in its order. Keys the repository
# computes are filled from the content; any other key is read from the input file.
ROWS = [
    ("基本信息", "网站名称", "", "name"),
    ("基本信息", "首页网址", "", "url"),
    ("基本信息", "主办单位", "", "sponsor"),
    ("基本信息", "网站类型", "", "kind"),
    ("基本信息", "政府网站标识码", "", "site_code"),
    ("基本信息", "ICP备案号", "", "icp"),
    ("基本信息", "公安机关备案号", "", "police_record"),
    ("基本信息", "独立用户访问总量", "个", "unique_visitors"),
    ("基本信息", "网站总访问量", "次", "visits"),
    ("信息发布", "总数", "条", "published"),
    ("信息发布", "概况类信息更新量", "条", "overview"),
    ("信息发布", "政务动态信息更新量", "条", "news"),
    ("信息发布", "信息公开目录信息更新量", "条", "disclosure"),
    ("专栏专题", "维护数量", "个", "topics_maintained"),
    ("专栏专题", "新开设数量", "个", "topics_new"),
    ("政策解读", "总数", "条", "interpretations"),
    ("政策解读", "解读材料数量", "条", "interpretation_materials"),
    ("政策解读", "解读产品数量", "个", "interpretation_products"),
    ("政策解读", "媒体评论文章数量", "篇", "media_commentaries"),
    ("回应公众关注热点或重大舆情", "数量", "次", "responses"),
    ("办事服务", "是否发布服务事项目录", "", "service_catalogue"),
    ("办事服务", "注册用户数", "个", "registered_users"),
    ("办事服务", "政务服务事项数量", "项", "services"),
    ("办事服务", "可全程在线办理政务服务事项数量", "项", "services_online"),
    ("办事服务", "办件量：总数", "件", "cases"),
    ("办事服务", "办件量：自然人办件量", "件", "cases_people"),
    ("办事服务", "办件量：法人办件量", "件", "cases_companies"),
    ("互动交流", "是否使用统一平台", "", "unified_platform"),
    ("互动交流", "留言办理：收到留言数量", "条", "letters_received"),
    ("互动交流", "留言办理：办结留言数量", "条", "letters_answered"),
    ("互动交流", "留言办理：平均办理时间", "天", "letters_average_days"),
    ("互动交流", "留言办理：公开答复数量", "条", "letters_public"),
    ("互动交流", "征集调查：征集调查期数", "期", "surveys"),
    ("互动交流", "征集调查：收到意见数量", "条", "survey_opinions"),
    ("互动交流", "征集调查：公布调查结果期数", "期", "survey_results"),
    ("互动交流", "在线访谈：访谈期数", "期", "interviews"),
    ("互动交流", "在线访谈：网民留言数量", "条", "interview_messages"),
    ("互动交流", "在线访谈：答复网民提问数量", "条", "interview_answers"),
    ("互动交流", "是否提供智能问答功能", "", "smart_qa"),
    ("安全防护", "安全检测评估次数", "次", "security_checks"),
    ("安全防护", "发现问题数量", "个", "security_problems"),
    ("安全防护", "问题整改数量", "个", "security_fixed"),
    ("安全防护", "是否建立安全监测预警机制", "", "security_monitoring"),
    ("安全防护", "是否开展应急演练", "", "security_drills"),
    ("安全防护", "是否明确网站安全责任人", "", "security_officer"),
    ("移动新媒体", "是否有移动新媒体", "", "new_media"),
    ("移动新媒体", "微博：名称", "", "weibo_name"),
    ("移动新媒体", "微博：信息发布量", "条", "weibo_posts"),
    ("移动新媒体", "微博：关注量", "个", "weibo_followers"),
    ("移动新媒体", "微信：名称", "", "wechat_name"),
    ("移动新媒体", "微信：信息发布量", "条", "wechat_posts"),
    ("移动新媒体", "微信：订阅数", "个", "wechat_subscribers"),
    ("移动新媒体", "其他", "", "new_media_other"),
    ("创新发展", "搜索即服务、多语言版本、无障碍浏览、千人千网等", "", "innovation"),
    ("填报信息", "单位负责人", "", "head"),
    ("填报信息", "审核人", "", "reviewer"),
    ("填报信息", "填报人", "", "filled_by"),
    ("填报信息", "联系电话", "", "phone"),
    ("填报信息", "填报日期", "", "filled_on"),
]
INPUT_KEYS = [key for *_, key in ROWS]


def in_year(item, year: int) -> bool:
    f = item.fields
    return f["date"].year == year or (f.get("modified") is not None and f["modified"].year == year)


def site_rows(site, group, decisions, year: int, given: dict) -> dict:
    """The form for one site: {"rows": [...], "figures": {key: value}} (value None = 需另行填报)."""
    figures = content_figures(site, group, decisions, year)
    figures.update({
        "name": site.name, "url": f"https://{site.domain}/", "sponsor": site.sponsor,
        "kind": SITE_KINDS[site.data["type"]], "site_code": site.site_code, "icp": site.icp,
        "police_record": site.police_record,
    })
    rows = []
    for section, label, unit, key in ROWS:
        if key in figures:
            value, source = figures[key], "网站内容" if key not in ("name", "url", "sponsor", "kind", "site_code",
                                                                    "icp", "police_record") else "site.yaml"
        elif given.get(key) is not None:
            value, source = given[key], INPUT.format(year=year)
        else:
            value, source = None, None
        rows.append({"section": section, "item": label, "unit": unit, "key": key, "value": value, "source": source})
    return {"year": year, "rows": rows, "figures": {r["key"]: r["value"] for r in rows}}


def content_figures(site, group, decisions, year: int) -> dict:
    mine = [d for d in decisions if d.item.site_id == site.id and d.item.meta is not None]
    published = [d for d in mine if d.state == State.PUBLISHED]
    this_year = [d for d in published if in_year(d.item, year)]

    def column_type(d):
        return site.columns[d.item.column].type

    out: dict[str, object] = {"published": len(this_year)}
    out.update({key: sum(column_type(d) in types for d in this_year) for key, types in FAMILY_TYPES.items()})
    out["overview"], out["news"], out["disclosure"] = (out.pop(k) for k in FAMILY_TYPES)
    opened = topic_openings(site, group, decisions)
    out["topics_maintained"] = sum(day.year <= year for day in opened)
    out["topics_new"] = sum(day.year == year for day in opened)
    readings = [d for d in this_year if interpretation.target(d.item)]
    kinds = [interpretation.FORMS[interpretation.form(d.item)] for d in readings]
    out.update(interpretations=len(readings), interpretation_materials=kinds.count(interpretation.MATERIAL),
               interpretation_products=kinds.count(interpretation.PRODUCT),
               media_commentaries=kinds.count(interpretation.COMMENTARY))
    out["services"] = sum(d.item.fields.get("type") == "service" for d in published
                          if d.item.fields["date"].year <= year)
    letters = [d for d in mine if d.state != State.WITHDRAWN and d.item.fields.get("type") == "letter"
               and d.item.fields.get("received") and d.item.fields["received"].year == year]
    answered = [d for d in letters if d.item.fields.get("replied")]
    days = [(d.item.fields["replied"] - d.item.fields["received"]).days for d in answered]
    out.update(letters_received=len(letters), letters_answered=len(answered),
               letters_average_days=round(sum(days) / len(days), 1) if days else "无",
               letters_public=sum(d.state == State.PUBLISHED for d in answered))
    surveys = [d for d in published if d.item.fields.get("type") == "survey"]
    out["surveys"] = sum(d.item.fields["opens"].year == year for d in surveys if d.item.fields.get("opens"))
    out["survey_results"] = sum(d.item.fields["results_published"].year == year for d in surveys
                                if d.item.fields.get("results_published"))
    talks = [d for d in published if d.item.fields.get("type") == "interview" and d.item.fields.get("held_at")
             and d.item.fields["held_at"].year == year]
    out["interviews"] = len(talks)
    out["interview_answers"] = sum(1 for d in talks for t in d.item.fields.get("transcript") or []
                                   if any(w in (t.get("asker") or "") for w in NETIZEN) and t.get("a"))
    return out


def topic_openings(site, group, decisions) -> list:
    """The day each of the site's topics opened: its first published item."""
    published = [d for d in decisions if d.published and d.item.meta is not None]
    out = []
    intros = set()
    if site.id == group.portal.id:
        for tid, spec in (site.data.get("topics") or {}).items():
            intro = spec.get("intro")
            intros.add(intro)
            days = [d.item.fields["date"].date() for d in published
                    if tid in d.item.fields.get("tags", [])
                    or (d.item.site_id == site.id and f"{d.item.column}/{d.item.slug}" == intro)]
            if days:
                out.append(min(days))
    for d in published:
        if (d.item.site_id == site.id and site.columns[d.item.column].type == "专题"
                and f"{d.item.column}/{d.item.slug}" not in intros):
            out.append(d.item.fields["date"].date())
    return out


def read_input(root: Path, year: int) -> dict:
    """The web office's figures for the year (policy/annual/<year>.yaml): per site id a
    mapping of the form's keys; `all:` applies to every site. Missing file: {}."""
    rel = INPUT.format(year=year)
    path = Path(root) / rel
    if not path.is_file():
        return {}
    loaded = yamlio.load_path(path)
    problems = []
    if loaded.error:
        problems.append(Finding("annual.input", ERROR, rel, loaded.error_line, loaded.error, None,
                                "修正该行的格式（缩进、冒号、引号）"))
    elif not isinstance(loaded.data, dict) or not all(isinstance(v, dict) for v in loaded.data.values()):
        problems.append(Finding("annual.input", ERROR, rel, 1, "年度报表填报文件应为“网站标识: {项目: 数值}”的映射",
                                None, "例如 `portal: {visits: 1200000, unique_visitors: 350000}`"))
    else:
        for sid, values in loaded.data.items():
            for key in values:
                if key not in INPUT_KEYS:
                    problems.append(Finding("annual.input", ERROR, rel, loaded.lines.get(str(sid)),
                                            f"网站 {sid} 的“{key}”不是年度报表的项目", key,
                                            "可填的项目见 workflow/annual.py 的 ROWS"))
    if problems:
        raise ConfigError(problems)
    return loaded.data


def shown(value) -> str:
    if value is None:
        return MISSING
    if value is True:
        return "是"
    if value is False:
        return "否"
    return str(value)


def to_csv(sites: list[dict]) -> str:
    """One table: a row per form item, a column per site."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["栏目", "项目", "单位", *[s["annual"]["figures"]["name"] for s in sites]])
    for i, (section, label, unit, _) in enumerate(ROWS):
        writer.writerow([section, label, unit, *[shown(s["annual"]["rows"][i]["value"]) for s in sites]])
    return "\ufeff" + out.getvalue()       # BOM: Excel opens UTF-8 CSV as UTF-8


def write_xlsx(sites: list[dict], year: int, path: Path) -> None:
    """A workbook with one sheet per site, laid out as the form."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    if book.active is not None:
        book.remove(book.active)    # the empty default sheet
    used: set[str] = set()
    for s in sites:
        title = sheet_title(s["annual"]["figures"]["name"], used)
        sheet = book.create_sheet(title)
        sheet.append([f"政府网站工作年度报表（{year}年度）"])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append(["栏目", "项目", "单位", "数值", "来源"])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in s["annual"]["rows"]:
            value = row["value"]
            sheet.append([row["section"], row["item"], row["unit"],
                          value if isinstance(value, (int, float)) and not isinstance(value, bool) else shown(value),
                          row["source"] or ""])
        for col, width in zip("ABCDE", (18, 34, 6, 40, 26)):
            sheet.column_dimensions[col].width = width
        for line in sheet.iter_rows(min_row=3):
            line[3].alignment = Alignment(horizontal="left")
    tmp = path.with_suffix(".tmp")
    book.save(tmp)
    tmp.replace(path)


def sheet_title(name: str, used: set) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique."""
    base = "".join("_" if c in "[]:*?/\\" else c for c in name)[:31] or "网站"
    title, n = base, 1
    while title in used:
        n += 1
        title = f"{base[:28]}({n})"
    used.add(title)
    return title
