"""Synthetic Chinese government prose: headings, paragraphs, lists, a table and
allowlisted *.gov.cn links, about 1,500 characters per item, reproducible from a seed."""
from __future__ import annotations

import random

SUBJECTS = ["市政府", "区政府", "市发展改革委", "市人社局", "市大数据局", "市住房城乡建设局", "市教育局",
            "市卫生健康委", "市生态环境局", "市交通运输局", "市市场监管局", "市应急管理局", "各县（市、区）",
            "各有关部门", "市直各单位", "街道办事处", "各乡镇人民政府"]
ACTIONS = ["认真贯彻落实", "深入推进", "统筹做好", "切实加强", "持续优化", "全面提升", "扎实开展",
           "加快推进", "着力抓好", "不断完善", "严格落实", "积极稳妥推进"]
OBJECTS = ["安全生产工作", "营商环境建设", "政务公开工作", "民生保障工作", "就业创业服务", "城市更新项目",
           "数字政府建设", "乡村振兴战略", "生态环境保护", "基层治理现代化", "公共服务均等化",
           "“一网通办”改革", "重点项目建设", "冬季森林防火", "根治欠薪专项行动", "政府网站管理"]
TAILS = ["确保各项任务落到实处", "推动工作取得新成效", "切实增强人民群众的获得感",
         "为全市经济社会高质量发展提供有力保障", "做到责任明确、措施具体、落实有力",
         "及时发现和解决工作中出现的新情况新问题", "形成上下联动、齐抓共管的工作格局",
         "进一步提升服务效能和群众满意度"]
OPENERS = ["会议指出", "会议强调", "通知要求", "据了解", "与会人员认为", "根据工作安排", "为贯彻落实上级部署",
           "截至目前", "下一步"]
HEADINGS = ["总体要求", "主要任务", "保障措施", "工作安排", "基本情况", "存在问题", "下一步工作", "组织实施",
            "责任分工", "进度安排", "办理流程", "有关事项"]
LIST_ITEMS = ["建立问题清单、整改清单、责任清单，实行销号管理", "加强部门协同，定期会商研判",
              "严格落实领导带班和24小时值班制度", "做好政策解读和舆情回应工作",
              "按月报送工作进展情况，年底形成书面总结", "将工作情况纳入年度绩效考核",
              "加大资金保障力度，规范资金使用管理", "开展督查检查，对落实不力的予以通报"]
UNITS = ["青秀区", "兴宁区", "江南区", "西乡塘区", "良庆区", "邕宁区", "武鸣区", "横州市", "宾阳县", "上林县"]
LINKS = [("中国政府网", "https://www.gov.cn/zhengce/"), ("广西壮族自治区人民政府门户网站", "https://www.gxzf.gov.cn/"),
         ("国家政务服务平台", "https://gjzwfw.www.gov.cn/"), ("国务院政策文件库", "https://www.gov.cn/zhengce/zhengcewenjianku/"),
         ("广西数字政务一体化平台", "https://zwfw.gxzf.gov.cn/"), ("国家统计局", "https://www.stats.gov.cn/"),
         ("人力资源和社会保障部", "https://www.mohrss.gov.cn/"), ("生态环境部", "https://www.mee.gov.cn/")]


def sentence(rng: random.Random) -> str:
    return f"{rng.choice(OPENERS)}，{rng.choice(SUBJECTS)}要{rng.choice(ACTIONS)}{rng.choice(OBJECTS)}，{rng.choice(TAILS)}。"


def paragraph(rng: random.Random, n: int) -> str:
    return "".join(sentence(rng) for _ in range(n))


def table(rng: random.Random) -> list[str]:
    rows = ["| 单位 | 任务数 | 已完成 | 完成率 |", "| --- | ---: | ---: | ---: |"]
    for unit in rng.sample(UNITS, 4):
        total = rng.randint(10, 60)
        done = rng.randint(total // 2, total)
        rows.append(f"| {unit} | {total} | {done} | {done * 100 // total}% |")
    return rows


def body(rng: random.Random, target: int = 1500) -> str:
    """Markdown of about `target` characters."""
    links = rng.sample(LINKS, rng.randint(3, 5))
    out = [paragraph(rng, 3), ""]
    sections = rng.sample(HEADINGS, 3)
    for i, heading in enumerate(sections):
        out += [f"## {heading}", "", paragraph(rng, 3), ""]
        if i == 0:
            out += [f"- {x}；" for x in rng.sample(LIST_ITEMS, 4)] + [""]
        if i == 1:
            out += ["各单位工作进展如下：", ""] + table(rng) + [""]
    out += ["相关链接：" + "、".join(f"[{name}]({url})" for name, url in links), ""]
    text = "\n".join(out)
    while len(text) < target:
        text += "\n" + paragraph(rng, 2) + "\n"
    return text
