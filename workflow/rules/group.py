"""Rules on how an item joins the site group: syndication targets and topics."""
from __future__ import annotations

from workflow.model.findings import ERROR, Finding
from workflow.model.relations import declared_topics


def syndicate(item, ctx):
    """`syndicate:` names sites of the group that receive syndicated items."""
    group = ctx.group
    receivers = [s.id for s in group.sites.values() if s.data.get("syndication") and s.id != item.site_id]
    for target in item.fields.get("syndicate", []):
        site = group.sites.get(target)
        if site is None:
            yield Finding("syndicate.unknown-site", ERROR, item.relpath, item.line_of("syndicate"),
                          f"报送目标“{target}”不是本站群的网站", "syndicate",
                          f"改为可接收报送的网站：{', '.join(receivers) or '（无）'}")
        elif target == item.site_id:
            yield Finding("syndicate.self", ERROR, item.relpath, item.line_of("syndicate"),
                          f"不能把信息报送到本网站“{site.name}”", "syndicate", "删除该项")
        elif not site.data.get("syndication"):
            yield Finding("syndicate.not-receiving", ERROR, item.relpath, item.line_of("syndicate"),
                          f"网站“{site.name}”没有设置网上采集栏目，不接收报送", "syndicate",
                          f"改为：{', '.join(receivers) or '（无）'}，或请该网站在 site.yaml 中设置 syndication")


def tags(item, ctx):
    """Every tag is a topic declared in the portal's site.yaml."""
    known = declared_topics(ctx.group)
    for tag in item.fields.get("tags", []):
        if tag not in known:
            yield Finding("topic.unknown", ERROR, item.relpath, item.line_of("tags"),
                          f"专题“{tag}”不存在", "tags",
                          ("改为已有专题：" + "、".join(f"{k}（{v['name']}）" for k, v in known.items())
                           if known else "门户网站尚未设置专题") + "；新专题请先在门户网站 site.yaml 的 topics 中登记")
