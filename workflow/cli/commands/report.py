"""`govsite report [--as-of DATE] [--output DIR] [--year YYYY]`: the web office's report."""
from __future__ import annotations

import sys
from pathlib import Path

from workflow.cli.commands import date_arg
from workflow.errors import UsageError
from workflow.model import dates
from workflow.model.sites import load_group
from workflow.policy import workdays
from workflow.report.webreport import collect, write


def register(sub):
    p = sub.add_parser("report", help="生成网站管理报告（HTML 和 report.json，供网站主管部门检查）")
    p.add_argument("--as-of", type=date_arg, help="统计截至日期 YYYY-MM-DD（默认今天）")
    p.add_argument("--output", type=Path, help="输出目录（默认 output/webreport/）")
    p.add_argument("--year", help="加入该年度政府网站工作年度报表的数据，例如 2026")
    p.set_defaults(func=run)


def run(args) -> int:
    as_of = args.as_of or dates.today()
    year = None
    if args.year:
        if not (args.year.isdigit() and len(args.year) == 4):
            raise UsageError(f"--year “{args.year}”不是年份，应为四位数字，例如 2026")
        year = int(args.year)
        if year > as_of.year:
            raise UsageError(f"--year {year} 晚于统计截至日期 {as_of}")
    group = load_group(args.root)
    if not workdays.Calendar.load(group.root).official(as_of.year):
        print(f"注意：{as_of.year} 年的放假安排尚未录入节假日文件，涉及该年的工作日期限按法定节假日推算"
              "（暂定，只作警告）；国务院办公厅通知发布后请录入 policy/holidays.yaml。", file=sys.stderr)
    out = (args.output or group.root / "output" / "webreport").resolve()
    sites_out = group.root / "output"
    if any(out == (sites_out / sid).resolve() or (sites_out / sid).resolve() in out.parents
           for sid in group.sites):
        raise UsageError(f"输出目录 {out} 在某个网站的发布目录内，报告不得随网站发布；"
                         "请用默认的 output/webreport/ 或其他目录")
    data = collect(group, as_of, year, group.root / "output")
    html, _ = write(data, out)
    t = data["totals"]
    print(f"网站管理报告（截至 {as_of}）：{t['sites']} 个网站，已发布 {t['published']} 条，拒绝发布 {t['refused']} 条，"
          f"逾期公开 {t['late_disclosures']} 条，超期信件 {t['overdue_letters']} 件，"
          f"单项否决不合格 {len(t['failing_sites'])} 个网站。")
    print(f"报告：{html}")
    return 0
