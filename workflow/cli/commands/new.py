"""`govsite new --site ID --column COLUMN "标题"`: scaffold an item for an editor.

The file gets today's date, a stable ASCII slug (`--slug`, else the month and
the pinyin of a few key words of the title, as the demo's `2026-11-senlin-
fanghuo-tonggao`; fixed from then on: renaming the title never moves the URL) and every required field
of the column's content type as a placeholder that `govsite check` reports
until it is filled.
"""
from __future__ import annotations

import json
import re

from workflow.errors import UsageError
from workflow.model import dates
from workflow.model.item_schema import COMMON, DEFAULT_TYPE, TYPE_FIELDS, TYPES
from workflow.model.items import SLUG_RE
from workflow.model.schema import BODY_PLACEHOLDER, PLACEHOLDER
from workflow.model.sites import load_group
from workflow.policy.limits import deadlines

SLUG_MAX = 60
DISCLOSED = {"policy", "notice", "news"}     # 第十八条: the types whose disclosure deadline is checked


def register(sub):
    p = sub.add_parser("new", help="按栏目的内容类型新建一条信息（必填字段留作待填写）")
    p.add_argument("title", help="信息标题")
    p.add_argument("--site", required=True, metavar="ID", help="网站标识，如 portal")
    p.add_argument("--column", required=True, metavar="COLUMN", help="栏目标识，如 tzgg")
    p.add_argument("--author", metavar="EDITOR", help="发布人（编辑标识）；不填则留作待填写")
    p.add_argument("--slug", help="文件名（即网址，小写英文、数字、-，如 2026-11-gongnuan-tongzhi）；"
                                  "不填则由年月和标题中几个关键词的拼音组成")
    p.set_defaults(func=run)


# Words that say nothing about the item: left out of the default slug.
FILLER = ("关于", "进一步", "切实", "做好", "有关", "印发", "开展", "的", "了", "和", "与", "及", "对", "在", "为")
KEY_WORDS = 4


def short_slug(title: str, today) -> str:
    """`YYYY-MM-` and the pinyin of at most KEY_WORDS words of the title (two characters
    a word, three for the first of an odd run; the first three words and the last,
    which names the kind: 通知, 公告…)."""
    from pypinyin import lazy_pinyin

    text = re.sub(r"[0-9０-９]+\s*(?:年度|[年月日号])|[0-9０-９]+", " ", title)
    for word in FILLER:
        text = text.replace(word, " ")
    words = []
    for run in re.findall(r"[\u4e00-\u9fff]+|[A-Za-z0-9]+", text):
        if run.isascii():
            words.append(run.lower())
            continue
        syllables = [re.sub(r"[^a-z]", "", s.lower()) for s in lazy_pinyin(run)]
        first = 3 if len(syllables) % 2 and len(syllables) > 1 else 2    # 市政府召开… : shizhengfu-zhaokai-…
        words.append("".join(syllables[:first]))
        words += ["".join(syllables[i:i + 2]) for i in range(first, len(syllables), 2)]
    words = [w for w in words if w]
    if len(words) > KEY_WORDS:
        words = words[:KEY_WORDS - 1] + words[-1:]
    return "-".join([f"{today:%Y-%m}", *words] if words else [f"{today:%Y-%m}", "xinxi"])


def scaffold(title: str, item_type: str, author: str | None, workdays: int = 20) -> str:
    lines = ["---", f"title: {json.dumps(title, ensure_ascii=False)}", f"date: {dates.today().isoformat()}"]
    fields = {**COMMON, **TYPE_FIELDS.get(item_type, {})}
    for name, spec in fields.items():
        if not spec.required or name in ("title", "date"):
            continue
        value = author if name == "author" and author else PLACEHOLDER
        hint = f"{spec.label}" + (f"，例如 {spec.example}" if spec.example else "")
        if spec.choices:
            hint += f"（可选：{'、'.join(spec.choices)}）"
        lines.append(f"{name}: {value}  # {hint}")
    if item_type in DISCLOSED:
        since = "不填则按成文日期 written 计算" if item_type == "policy" else "不填则不检查"
        lines.append(f"# formed: {dates.today().isoformat()}  # 信息形成或变更日期（第十八条：自该日起 "
                     f"{workdays} 个工作日内公开；{since}）；填写时删去行首的 #")
    lines += ["---", BODY_PLACEHOLDER, ""]
    return "\n".join(lines)



def run(args) -> int:
    group = load_group(args.root)
    site = group.sites.get(args.site)
    if site is None:
        raise UsageError(f"没有标识为“{args.site}”的网站。可用的网站标识：{', '.join(group.sites)}")
    column = site.columns.get(args.column)
    if column is None:
        choices = "、".join(f"{c.id}（{c.name}）" for c in site.columns.values())
        raise UsageError(f"网站“{site.name}”没有栏目“{args.column}”。可用的栏目：{choices}")
    title = args.title.strip()
    if not title:
        raise UsageError("标题不能为空")
    if args.author and not re.match(r"^[a-z0-9][a-z0-9._-]*$", args.author):
        raise UsageError(f"--author “{args.author}”不是编辑标识（小写英文、数字、点、横线），例如 wei.lan")
    item_type = DEFAULT_TYPE[column.type]
    folder = site.dir / column.id
    if args.slug is not None:
        slug = args.slug.strip().removesuffix(".md")
        if not SLUG_RE.match(slug) or len(slug) > SLUG_MAX:
            raise UsageError(f"--slug “{args.slug}”不能作文件名：只能用小写英文字母、数字、- 和 _，"
                        f"不超过 {SLUG_MAX} 个字符，例如 {short_slug(title, dates.today())}")
        if (folder / f"{slug}.md").exists():
            raise UsageError(f"{(folder / slug).relative_to(group.root)}.md 已存在，未改动；请换一个 --slug")
    else:
        base = short_slug(title, dates.today())
        slug, n = base, 1
        while (folder / f"{slug}.md").exists():
            n += 1
            slug = f"{base}-{n}"
    path = folder / f"{slug}.md"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(scaffold(title, item_type, args.author, deadlines(group.root)["disclosure_workdays"]),
                    encoding="utf-8")
    rel = path.relative_to(group.root).as_posix()
    kind = "" if TYPES[item_type] == column.name else f"，{TYPES[item_type]}"
    print(f"已新建 {rel}（{column.name}{kind}）。")
    print(f"请填写所有标为“{PLACEHOLDER}”的字段和正文，然后运行 govsite check {rel}；"
          "文件名即网址，发布后不要再改。")
    return 0
