"""The site registry: content/<site-id>/site.yaml, one file per site of the group."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workflow.model import yamlio
from workflow.model.findings import ERROR, ConfigError, Finding
from workflow.model.item_schema import TYPES as ITEM_TYPES
from workflow.model.schema import MARKUP, Context, Field, FieldOptions, strings, validate

SITE_TYPES = {"portal": "门户网站", "district": "县区政府", "department": "市直部门"}

# 第十四条: the four families of columns, and the column types in each.
FAMILIES = {
    "概况": ("概况信息", ["概况"]),
    "动态信息": ("动态信息", ["要闻", "动态", "通知公告", "政策文件", "人事任免", "政府采购", "专题"]),
    "政府服务": ("政务服务", ["办事指南"]),
    "互动": ("互动交流", ["信件", "在线访谈", "调查"]),
}
COLUMN_TYPES = {t: fam for fam, (_, types) in FAMILIES.items() for t in types}

_HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

_TEXT = FieldOptions(kind="text", required=True)

COLUMN_SCHEMA = {
    "name": Field("栏目名称", example="政务要闻", **_TEXT),
    "type": Field("栏目类型", kind="choice", required=True, choices=tuple(COLUMN_TYPES), example="要闻"),
    "summary": Field("栏目说明"),
}

REVIEWER_SCHEMA = {
    "name": Field("审核人姓名", example="周杰", **_TEXT),
    "levels": Field("可审核的级别", kind="list", required=True, item=Field("级别"), example="[终审]"),
    "handle": Field("代码托管平台账号", example="@zhoujie"),
    "emails": Field("Git 提交使用的电子邮箱（用于判断是否审核自己修改过的信息）", kind="list",
                    item=Field("电子邮箱"), example="[zhou.jie@example.gov.cn]"),
}

REVIEW_SCHEMA = {
    "levels": Field("审核级别（按先后顺序）", kind="list", required=True, item=Field("级别"),
                    example="[初审, 终审]"),
    "required": Field("默认需要的审核级别", kind="list", required=True, item=Field("级别"),
                      example="[终审]"),
    "columns": Field("栏目单独要求的审核级别", kind="mapping",
                     keys=Field("栏目标识", kind="id"),
                     values=Field("审核级别", kind="list", item=Field("级别")),
                     example="{zcwj: [初审, 终审]}"),
}

# 网上采集 (第八条): where items of subordinate sites are listed on this site.
SYNDICATION_RULE = {
    "sites": Field("来源网站", kind="list", required=True, item=Field("网站标识", kind="id"), example="[rsj]"),
    "columns": Field("来源栏目（不填为全部栏目）", kind="list", item=Field("栏目标识", kind="id"),
                     example="[tzgg]"),
    "into": Field("列入本网站的栏目", kind="id", example="xqbm"),
    "copy": Field("转载正文（附 canonical 指向原文）", kind="bool", example="false"),
}

SYNDICATION_SCHEMA = {
    "column": Field("网上采集栏目（接收 syndicate 报送的信息）", kind="id", required=True, example="xqbm"),
    "rules": Field("按栏目自动采集的规则", kind="list", item=Field("规则", kind="mapping", fields=SYNDICATION_RULE),
                   example="[{sites: [rsj], columns: [tzgg]}]"),
}

# 栏目共建 (第九条): topics whose items come from every site of the group. A topic's
# sub-columns gather its items by content type (workflow/topics.py has the defaults).
TOPIC_SECTION_SCHEMA = {
    "name": Field("子栏目名称", example="政策措施", **_TEXT),
    "types": Field("收录的内容类型", kind="list", required=True,
                   item=Field("内容类型", kind="choice", choices=tuple(ITEM_TYPES)), example="[policy]"),
}
TOPIC_SCHEMA = {
    "name": Field("专题名称", example="优化营商环境", **_TEXT),
    "intro": Field("专题介绍信息（栏目/文件名）", example="zhuanti/youhua-yingshang-huanjing"),
    "sections": Field("专题子栏目", kind="mapping", keys=Field("子栏目标识", kind="id"),
                      values=Field("子栏目", kind="mapping", fields=TOPIC_SECTION_SCHEMA),
                      example="{zcjs: {name: 政策措施, types: [policy]}}"),
}

# Home-page entry points (a static site takes no letters or forms: these lead to the
# platforms that do). Every URL must pass the link allowlist, like any link.
_URL = FieldOptions(kind="text", required=True)
SERVICE_SCHEMA = {
    "name": Field("入口名称", example="个人办事", **_TEXT),
    "url": Field("网址（须在外链白名单内）", example="https://zwfw.gxzf.gov.cn/", **_URL),
    "summary": Field("一句话说明", example="社保、医保、公积金等个人事项"),
}
HOTLINE_SCHEMA = {
    "name": Field("热线名称", example="12345政务服务便民热线", **_TEXT),
    "phone": Field("号码", example="12345", **_TEXT),
    "hours": Field("服务时间", example="7×24小时"),
    "url": Field("热线网上平台网址（须在外链白名单内）", example="https://www.12345.gov.cn/"),
}
INTERACTION_SCHEMA = {
    "platform": Field("受理来信的平台名称", example="南宁市12345政务服务便民热线网络平台", **_TEXT),
    "write": Field("“我要写信”网址（须在外链白名单内）", example="https://12345.example.gov.cn/xiexin", **_URL),
    "query": Field("“信件查询”网址（须在外链白名单内）", example="https://12345.example.gov.cn/chaxun", **_URL),
    "survey": Field("“参与调查”网址（须在外链白名单内）", example="https://12345.example.gov.cn/diaocha"),
}
# 政府信息公开 zone of the home page: items or columns of this site.
DISCLOSURE_SCHEMA = {
    "guide": Field("政府信息公开指南（栏目标识/文件名）", example="xxgk/xinxi-gongkai-zhinan"),
    "rules": Field("政府信息公开制度（栏目标识，或 栏目标识/文件名）", example="xxgk/xinxi-gongkai-zhidu"),
    "statutory": Field("法定主动公开内容（栏目标识列表）", kind="list", item=Field("栏目标识", kind="id"),
                       example="[zcwj, rsrm, zfcg, tzgg]"),
    "annual": Field("政府信息公开年报（栏目标识，或 栏目标识/文件名）", example="xxgk"),
}

SITE_SCHEMA = {
    "name": Field("网站名称", example="南宁市人民政府门户网站", **_TEXT),
    "short_name": Field("网站简称", example="南宁市政府"),
    "type": Field("网站类型", kind="choice", required=True, choices=tuple(SITE_TYPES), example="district"),
    "parent": Field("上级网站标识", kind="id", example="portal"),
    "domain": Field("域名", example="www.example.gov.cn", **_TEXT),
    "sponsor": Field("主办单位", example="南宁市人民政府办公厅", **_TEXT),
    "organizer": Field("承办单位", example="南宁市大数据发展局", **_TEXT),
    "site_code": Field("网站标识码", example="4501000000", **_TEXT),
    "icp": Field("ICP备案号", example="桂ICP备00000000号", **_TEXT),
    "police_record": Field("公安机关备案号", example="桂公网安备45010000000000号", **_TEXT),
    "contact": Field("联系方式", kind="mapping", required=True, example="{address: …, phone: …, email: …}",
                     fields={
                         "address": Field("地址", example="南宁市……", **_TEXT),
                         "phone": Field("电话", example="0771-5550100", **_TEXT),
                         "email": Field("电子邮箱", example="web@example.gov.cn", **_TEXT),
                         "postcode": Field("邮编"),
                     }),
    "columns": Field("栏目", kind="mapping", required=True, keys=Field("栏目标识", kind="id"),
                     values=Field("栏目", kind="mapping", fields=COLUMN_SCHEMA),
                     example="{yaowen: {name: 政务要闻, type: 要闻}}"),
    "editors": Field("编辑（发布人）", kind="mapping", keys=Field("编辑标识", kind="id"),
                     values=Field("姓名"), example="{wei.lan: 韦兰}"),
    "reviewers": Field("审核人", kind="mapping", required=True, keys=Field("审核人标识", kind="id"),
                       values=Field("审核人", kind="mapping", fields=REVIEWER_SCHEMA),
                       example="{zhou.jie: {name: 周杰, levels: [终审]}}"),
    "review": Field("审核制度", kind="mapping", required=True, fields=REVIEW_SCHEMA,
                    example="{levels: [初审, 终审], required: [终审]}"),
    "syndication": Field("网上采集（接收下级网站报送的信息）", kind="mapping", fields=SYNDICATION_SCHEMA,
                         example="{column: xqbm}"),
    "topics": Field("专题（栏目共建）", kind="mapping", keys=Field("专题标识", kind="id"),
                    values=Field("专题", kind="mapping", fields=TOPIC_SCHEMA),
                    example="{yingshang-huanjing: {name: 优化营商环境}}"),
    "services": Field("政务服务入口", kind="list", item=Field("入口", kind="mapping", fields=SERVICE_SCHEMA),
                      example="[{name: 个人办事, url: 'https://zwfw.gxzf.gov.cn/'}]"),
    "hotline": Field("服务热线", kind="mapping", fields=HOTLINE_SCHEMA, example="{name: 12345政务服务便民热线, phone: '12345'}"),
    "interaction": Field("互动交流平台（我要写信、信件查询、参与调查）", kind="mapping", fields=INTERACTION_SCHEMA,
                         example="{platform: …, write: 'https://…', query: 'https://…'}"),
    "disclosure": Field("政府信息公开专区", kind="mapping", fields=DISCLOSURE_SCHEMA,
                        example="{guide: xxgk/xinxi-gongkai-zhinan, statutory: [zcwj, rsrm]}"),
    # Link policy (workflow/links.py): hosts this site may link to beyond
    # workflow/data/allowlist.yaml; exact hosts or `*.suffix`.
    "links": Field("外链白名单补充", kind="mapping", example="{allow: [www.example.cn, '*.example.cn']}",
                   fields={"allow": Field("允许链接的主机名", kind="list", item=Field("主机名或 *.后缀"),
                                          example="[www.example.cn]")}),
}


def site_url(site: Site, mode: str) -> str:
    """Where a site's pages are: production, its real domain; a preview, a path under the
    local server (`govsite serve` hosts the whole group)."""
    return f"https://{site.domain}" if mode == "production" else f"/{site.id}"


@dataclass
class Column:
    id: str
    name: str
    type: str
    summary: str = ""

    @property
    def family(self) -> str:
        return COLUMN_TYPES[self.type]


@dataclass
class Site:
    id: str
    dir: Path
    path: str            # repository-relative path of site.yaml
    data: dict[str, Any]           # site.yaml, validated and converted
    columns: dict[str, Column] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:  # site.name, site.domain, … straight from site.yaml
        data = self.__dict__.get("data", {})
        if name in SITE_SCHEMA:
            return data.get(name)
        raise AttributeError(name)

    @property
    def type_label(self) -> str:
        return SITE_TYPES[self.data["type"]]

    @property
    def is_portal(self) -> bool:
        kind: str = self.data["type"]
        return kind == "portal"

    @property
    def review_levels(self) -> list[str]:
        levels: list[str] = self.data["review"]["levels"]
        return levels

    def required_levels(self, column: str) -> list[str]:
        """Levels an item of `column` needs, in review order."""
        review = self.data["review"]
        wanted = review.get("columns", {}).get(column, review["required"])
        return [lv for lv in self.review_levels if lv in wanted]

    def holders(self, level: str) -> list[str]:
        return [rid for rid, r in self.data["reviewers"].items() if level in r["levels"]]

    def reviewer_name(self, rid: str) -> str:
        reviewer = self.data["reviewers"].get(rid)
        return str(reviewer["name"]) if reviewer else rid

    def editor_name(self, eid: str) -> str:
        return str((self.data.get("editors") or {}).get(eid, eid))


@dataclass
class Group:
    root: Path                       # repository root
    content: Path                    # content/
    sites: dict[str, Site]           # portal first

    @property
    def portal(self) -> Site:
        return next(s for s in self.sites.values() if s.is_portal)

    def site_of(self, path: Path) -> Site | None:
        try:
            rel = Path(path).resolve().relative_to(self.content.resolve())
        except ValueError:
            return None
        return self.sites.get(rel.parts[0]) if rel.parts else None


def load_site(site_dir: Path, root: Path) -> tuple[Site | None, list[Finding]]:
    path = site_dir / "site.yaml"
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    if site_dir.is_symlink() or path.is_symlink():
        link = site_dir if site_dir.is_symlink() else path
        return None, [Finding("content.symlink", ERROR, rel, None,
                              f"{link.relative_to(root).as_posix()} 是符号链接：content/ 下不允许符号链接（不会读取它指向的内容）",
                              None, "把网站目录和 site.yaml 本身放进仓库，删除符号链接")]
    loaded = yamlio.load_path(path)
    if loaded.error:
        return None, [Finding("site.yaml", ERROR, rel, loaded.error_line, loaded.error,
                              None, "修正 site.yaml 的格式（缩进、冒号、引号）")]
    ctx = Context(rel, "site", loaded.lines, warn_unknown=False, raw=loaded.raw)
    if not isinstance(loaded.data, dict):
        ctx.add("site.type", ERROR, "site.yaml", "site.yaml 的内容应为键值映射（字段: 值）",
                "参照其他网站的 site.yaml 书写")
        return None, ctx.findings
    if not re.match(r"^[a-z0-9][a-z0-9-]*$", site_dir.name):
        ctx.add("site.id", ERROR, "site.yaml", f"网站目录名“{site_dir.name}”不是合法的网站标识",
                "目录名只用小写英文字母、数字和横线，例如 qingxiu")
    data = validate(loaded.data, SITE_SCHEMA, ctx)
    _check_site(data, ctx)
    _check_markup(data, ctx)
    if ctx.findings and any(f.severity == ERROR for f in ctx.findings):
        return None, ctx.findings
    columns = {cid: Column(cid, c["name"], c["type"], c.get("summary", ""))
               for cid, c in data["columns"].items()}
    return Site(site_dir.name, site_dir, rel, data, columns), ctx.findings


def _check_markup(data: dict[str, Any], ctx: Context) -> None:
    """Every value of site.yaml is text on every page: no tags, no entities."""
    for key, value in data.items():
        for name, text in strings(value, key):
            m = MARKUP.search(text)
            if m:
                ctx.add("html.in-field", ERROR, name, f"{name} 含有 HTML 标记“{text[m.start():m.start() + 30]}”：只能是纯文本",
                        "删除标签和实体，只写文字")
                break


def _check_site(data: dict[str, Any], ctx: Context) -> None:
    domain = data.get("domain")
    if domain and not _HOST_RE.match(domain):
        ctx.add("site.domain", ERROR, "domain", f"域名“{domain}”不合法",
                "只写主机名，不带 http:// 和路径，例如 `domain: www.example.gov.cn`")
    review = data.get("review")
    if not review:
        return
    levels = review.get("levels", [])
    for lv in review.get("required", []):
        if lv not in levels:
            ctx.add("site.review", ERROR, "review.required", f"默认审核级别“{lv}”不在 review.levels 中",
                    f"把“{lv}”加入 review.levels，或改为 {levels}")
    for cid, lvs in (review.get("columns") or {}).items():
        if cid not in (data.get("columns") or {}):
            ctx.add("site.review", ERROR, f"review.columns.{cid}", f"栏目“{cid}”不在 columns 中",
                    "检查栏目标识拼写")
        for lv in lvs:
            if lv not in levels:
                ctx.add("site.review", ERROR, f"review.columns.{cid}",
                        f"审核级别“{lv}”不在 review.levels 中", f"可用级别：{levels}")
    for rid, reviewer in (data.get("reviewers") or {}).items():
        for lv in reviewer.get("levels", []):
            if lv not in levels:
                ctx.add("site.review", ERROR, f"reviewers.{rid}.levels",
                        f"审核人 {rid} 的级别“{lv}”不在 review.levels 中", f"可用级别：{levels}")
    for lv in levels:
        if not any(lv in r.get("levels", []) for r in (data.get("reviewers") or {}).values()):
            ctx.add("site.review", ERROR, "reviewers", f"没有审核人持有“{lv}”级别",
                    f"在 reviewers 中为某位审核人加入 levels: [{lv}]")
    _check_syndication(data, ctx)


def _check_syndication(data: dict[str, Any], ctx: Context) -> None:
    """The receiving columns must be columns of this site (source sites are checked per group)."""
    syn = data.get("syndication") or {}
    columns = data.get("columns") or {}
    wanted = [("syndication.column", syn.get("column"))]
    wanted += [(f"syndication.rules[{i}].into", r.get("into")) for i, r in enumerate(syn.get("rules") or [])]
    for name, cid in wanted:
        if cid and cid not in columns:
            ctx.add("site.syndication", ERROR, name, f"网上采集栏目“{cid}”不在本网站的 columns 中",
                    f"先在 columns 中增加该栏目，或改为：{', '.join(columns)}")


def load_group(root: Path, only: list[str] | None = None) -> Group:
    """Load and validate every site.yaml; raise ConfigError listing all problems."""
    root = Path(root).resolve()
    content = root / "content"
    findings: list[Finding] = []
    sites: dict[str, Site] = {}
    dirs = sorted(p for p in content.iterdir() if p.is_symlink() or (p / "site.yaml").is_file()) \
        if content.is_dir() else []
    if not dirs:
        findings.append(Finding("site.none", ERROR, "content", None, "content/ 下没有任何 site.yaml",
                                None, "每个网站建一个目录 content/<网站标识>/site.yaml"))
    for site_dir in dirs:
        site, errs = load_site(site_dir, root)
        findings.extend(e for e in errs if e.severity == ERROR)
        if site:
            sites[site.id] = site
    portals = [s for s in sites.values() if s.is_portal]
    if sites and len(portals) != 1:
        findings.append(Finding("site.portal", ERROR, "content", None,
                                f"站群中应有且只有一个门户网站（type: portal），现有 {len(portals)} 个",
                                "type", "把门户网站的 type 设为 portal，其余设为 district 或 department"))
    domains: dict[str, str] = {}
    for site in sites.values():
        parent = site.data.get("parent")
        if not site.is_portal and not parent:
            findings.append(Finding("site.missing", ERROR, site.path, None, "下级网站缺少 parent（上级网站）",
                                    "parent", "填写 `parent: portal`"))
        elif parent and parent not in sites:
            findings.append(Finding("site.parent", ERROR, site.path, None,
                                    f"上级网站“{parent}”不存在", "parent",
                                    f"可用的网站标识：{', '.join(sites)}"))
        if site.domain in domains:
            findings.append(Finding("site.domain", ERROR, site.path, None,
                                    f"域名 {site.domain} 与网站 {domains[site.domain]} 重复", "domain",
                                    "每个网站使用自己的域名"))
        domains[site.domain] = site.id
        for tid, topic in (site.data.get("topics") or {}).items():
            intro = topic.get("intro")
            if not site.is_portal:
                findings.append(Finding("site.topics", ERROR, site.path, None, "只有门户网站可以设置专题（topics）",
                                        "topics", "把专题写在门户网站的 site.yaml 中，本网站的信息用 tags 加入专题"))
            elif intro and not (site.dir / f"{intro}.md").is_file():
                findings.append(Finding("site.topics", ERROR, site.path, None,
                                        f"专题“{tid}”的介绍信息 {site.id}/{intro}.md 不存在", f"topics.{tid}.intro",
                                        "写成“栏目标识/文件名”（不带 .md），例如 zhuanti/youhua-yingshang-huanjing"))
        for i, rule in enumerate((site.data.get("syndication") or {}).get("rules") or []):
            for sid in rule.get("sites", []):
                if sid not in sites or sid == site.id:
                    findings.append(Finding("site.syndication", ERROR, site.path, None,
                                            f"网上采集规则的来源网站“{sid}”不是站群中的其他网站",
                                            f"syndication.rules[{i}].sites", f"可用的网站标识：{', '.join(sites)}"))
    if only:
        for sid in only:
            if sid not in sites:
                findings.append(Finding("site.unknown", ERROR, "content", None, f"没有标识为“{sid}”的网站",
                                        None, f"可用的网站标识：{', '.join(sites)}"))
    if findings:
        raise ConfigError(findings)
    order = {"portal": 0, "district": 1, "department": 2}
    ordered = dict(sorted(sites.items(), key=lambda kv: (order[kv[1].data["type"]], kv[0])))
    group = Group(root, content, ordered)
    findings = _check_entries(group)
    if findings:
        raise ConfigError(findings)
    return group


def entry_urls(site: Site) -> list[tuple[str, str]]:
    """(field, URL) of every platform the site's pages link to from site.yaml."""
    data = site.data
    out = [(f"services[{i}].url", s["url"]) for i, s in enumerate(data.get("services") or [])]
    out += [("hotline.url", (data.get("hotline") or {}).get("url"))]
    out += [(f"interaction.{k}", (data.get("interaction") or {}).get(k)) for k in ("write", "query", "survey")]
    return [(name, url) for name, url in out if url]


def _check_entries(group: Group) -> list[Finding]:
    """The 政府信息公开 zone points at columns and items of each site. (Its entry points'
    URLs are checked against the allowlist by the policy stage: workflow/policy/allowlist.py.)"""
    findings = []
    for site in group.sites.values():
        disclosure = site.data.get("disclosure") or {}
        for key in ("guide", "rules", "annual"):
            if disclosure.get(key):
                findings += _disclosure_target(site, f"disclosure.{key}", disclosure[key])
        for i, column in enumerate(disclosure.get("statutory") or []):
            findings += _disclosure_target(site, f"disclosure.statutory[{i}]", column)
    return findings


def _disclosure_target(site: Site, name: str, target: str) -> list[Finding]:
    """A column of the site, or an item `column/slug` of it (the schema keeps statutory entries to ids)."""
    column, _, slug = target.strip("/").removesuffix(".md").partition("/")
    if column not in site.columns:
        return [Finding("site.disclosure", ERROR, site.path, None, f"{name}：栏目“{column}”不在本网站的 columns 中",
                        name, f"写成“栏目标识”或“栏目标识/文件名”；栏目标识：{', '.join(site.columns)}")]
    if slug and not (site.dir / column / f"{slug}.md").is_file():
        return [Finding("site.disclosure", ERROR, site.path, None, f"{name}：找不到信息 content/{site.id}/{column}/{slug}.md",
                        name, "核对文件名（不带 .md，区分大小写），或改为栏目标识")]
    return []
