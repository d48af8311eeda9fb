"""网上采集: subordinate sites' items listed on the portal, never refused or withdrawn ones."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.group_setup import main_of, page, published, receiving_portal

BODY = "区里召开了独一无二的专场推介会。\n"


def district_item(group, slug="tuijiehui", **fields):
    fields.setdefault("title", "某某区举办招商推介会")
    fields.setdefault("source", "某某区融媒体中心")
    return group.item("district", "yaowen", slug, body=BODY, **fields)


def test_syndicated_item_is_listed_on_the_portal_with_source_date_and_link_to_the_original(group):
    receiving_portal(group)
    published(group, district_item(group, syndicate=["portal"], date="2026-11-18 10:00"))
    code, out, err = group.build()
    assert code == 0, out + err
    listing = main_of(page(group, "portal/xqbm/index.html"))
    assert "某某区举办招商推介会" in listing
    assert 'href="/district/yaowen/tuijiehui.html"' in listing
    assert "测试市某某区人民政府 · 某某区融媒体中心" in listing
    assert "2026-11-18" in listing
    assert "某某区举办招商推介会" in page(group, "portal/index.html")
    # The column's feed lists what its page lists, linking to the original.
    feed = page(group, "portal/feeds/xqbm.atom.xml")
    assert "<title>某某区举办招商推介会</title>" in feed
    assert '<link href="/district/yaowen/tuijiehui.html" rel="alternate"/>' in feed
    # No second copy of the body anywhere on the portal.
    portal_files = [p for p in (group.output / "portal").rglob("*.html")] + [group.output / "portal/feeds"]
    portal_files = [f for p in portal_files for f in ([p] if p.is_file() else p.iterdir())]
    assert not any("独一无二的专场推介会" in p.read_text(encoding="utf-8") for p in portal_files)
    assert "独一无二的专场推介会" in page(group, "district/yaowen/tuijiehui.html")


def test_column_rule_syndicates_without_the_field_and_a_copy_carries_canonical(group):
    receiving_portal(group, syndication={"column": "xqbm", "rules": [
        {"sites": ["district"], "columns": ["yaowen"], "into": "yaowen", "copy": True}]})
    published(group, district_item(group, date="2026-11-18 10:00"))
    published(group, group.item("portal", "yaowen", "xin", title="门户较新的要闻", date="2026-11-19 10:00"))
    published(group, group.item("portal", "yaowen", "jiu", title="门户较旧的要闻", date="2026-11-17 10:00"))
    code, out, err = group.build()
    assert code == 0, out + err
    listing = main_of(page(group, "portal/yaowen/index.html"))
    assert 'href="/portal/yaowen/district-tuijiehui.html"' in listing
    # One list, newest first: the portal's own items and the syndicated one.
    assert listing.index("门户较新的要闻") < listing.index("某某区举办招商推介会") < listing.index("门户较旧的要闻")
    feed = page(group, "portal/feeds/yaowen.atom.xml")
    assert feed.index("门户较新的要闻") < feed.index("某某区举办招商推介会") < feed.index("门户较旧的要闻")
    assert '<link href="/portal/yaowen/district-tuijiehui.html" rel="alternate"/>' in feed
    assert "独一无二的专场推介会" in feed                 # a copy republishes the body, in the feed too
    copy = page(group, "portal/yaowen/district-tuijiehui.html")
    assert '<link rel="canonical" href="/district/yaowen/tuijiehui.html">' in copy
    assert "独一无二的专场推介会" in copy
    assert "来源：某某区融媒体中心" in copy and "发布人：编辑甲" in copy and "转自：" in copy
    assert "district-tuijiehui" not in page(group, "portal/sitemap.xml")
    # The rule names its column: the default syndication column stays empty.
    assert "某某区举办招商推介会" not in main_of(page(group, "portal/xqbm/index.html"))


def test_production_links_point_to_the_original_domain(group):
    receiving_portal(group)
    published(group, district_item(group, syndicate=["portal"]))
    code, out, err = group.build("--production")
    assert code == 0, out + err
    assert 'href="https://district.test-city.gov.cn/yaowen/tuijiehui.html"' in page(group, "portal/xqbm/index.html")


def test_refused_and_withdrawn_originals_are_never_syndicated(group):
    receiving_portal(group)
    district_item(group, "weishenhe", title="未经审核的信息", syndicate=["portal"])
    path = published(group, district_item(group, "chehui", title="已撤除的信息", syndicate=["portal"]))
    code, out, err = group.govsite("withdraw", path, "--reason", "内容有误", "--as", "qu.shen",
                                   "--key", group.keys["qu.shen"])
    assert code == 0, out + err
    published(group, district_item(group, "zhengchang", title="正常发布的信息", syndicate=["portal"]))
    code, out, err = group.build()
    assert code == 0, out + err
    listing = main_of(page(group, "portal/xqbm/index.html"))
    assert "正常发布的信息" in listing
    assert "未经审核的信息" not in listing
    assert "已撤除的信息" not in listing


def test_syndication_target_outside_the_group_is_refused(group):
    receiving_portal(group)
    bad = district_item(group, syndicate=["shengzhengfu"])
    findings = [f for f in group.check_json(bad)
                if f["severity"] == "error" and not f["rule"].startswith("approval.")]
    assert [(f["rule"], f["field"]) for f in findings] == [("syndicate.unknown-site", "syndicate")]
    assert "shengzhengfu" in findings[0]["message"] and "portal" in findings[0]["fix"]
    code, out, err = group.build()
    assert "某某区举办招商推介会" not in page(group, "portal/xqbm/index.html")


def test_syndication_to_a_site_that_receives_nothing_is_refused(group):
    receiving_portal(group)
    bad = group.item("portal", "yaowen", "fan-xiang", syndicate=["district"])
    rules = {f["rule"] for f in group.check_json(bad) if f["severity"] == "error"}
    assert "syndicate.not-receiving" in rules


def test_syndication_column_that_is_not_a_column_is_a_config_error(group):
    receiving_portal(group, syndication={"column": "meiyou"})
    code, out, err = group.govsite("check")
    assert code == 2
    assert "site.syndication" in err and "“meiyou”不在本网站的 columns 中" in err


def test_syndication_rule_naming_a_site_outside_the_group_is_a_config_error(group):
    receiving_portal(group, syndication={"column": "xqbm", "rules": [{"sites": ["nowhere"]}]})
    code, out, err = group.govsite("build")
    assert code == 2
    assert "site.syndication" in err and "“nowhere”不是站群中的其他网站" in err
    assert not (group.root / "output").exists()


def test_a_receiving_column_is_paginated_over_its_own_and_the_syndicated_items(group):
    receiving_portal(group, syndication={"column": "yaowen"})
    for day in range(1, 19):      # 18 items, alternating between the portal's own and a district's
        date = f"2026-11-{day:02d} 09:00"
        if day % 2:
            path = group.item("portal", "yaowen", f"ziji-{day}", title=f"门户自己的第{day}条", date=date)
        else:
            path = district_item(group, f"caiji-{day}", title=f"区里采集的第{day}条", date=date,
                                 syndicate=["portal"])
        published(group, path)
    code, out, err = group.build()
    assert code == 0, out + err
    first, second = main_of(page(group, "portal/yaowen/index.html")), main_of(page(group, "portal/yaowen/index_2.html"))
    shown = [t for listing in (first, second) for t in re.findall(r"(?:门户自己|区里采集)的第(\d+)条", listing)]
    assert shown == [str(d) for d in range(18, 0, -1)]           # newest first, each once, 15 + 3
    assert len(re.findall(r"的第\d+条", first)) == 15
    assert 'href="/portal/yaowen/index_2.html"' in first and 'href="/portal/yaowen/"' in second
    assert 'href="/district/yaowen/caiji-18.html"' in first
    sitemap = page(group, "portal/sitemap.xml")
    assert "/yaowen/</loc>" in sitemap and "index_2" not in sitemap


def _naive_routes(item, group):
    """Every receiver's rules read for the item (what routes() did before rules_by_site)."""
    found = {}
    for target in item.fields.get("syndicate", []):
        receiver = group.sites.get(target)
        syn = receiver.data.get("syndication") if receiver else None
        if syn and target != item.site_id:
            found.setdefault((target, syn["column"]), False)
    for receiver in group.sites.values():
        syn = receiver.data.get("syndication") or {}
        for rule in syn.get("rules") or []:
            if item.site_id in rule["sites"] and item.column in rule.get("columns", [item.column]):
                key = (receiver.id, rule.get("into", syn["column"]))
                found[key] = found.get(key, False) or rule.get("copy", False)
    return [(sid, col, copy) for (sid, col), copy in found.items()]


_SITES = ["portal", "a", "b", "c"]
_COLUMNS = ["yaowen", "tzgg", "dongtai"]


@st.composite
def _groups(draw):
    from types import SimpleNamespace

    sites = {}
    for sid in _SITES:
        data = {}
        if draw(st.booleans()):
            rules = []
            for _ in range(draw(st.integers(0, 3))):
                rule = {"sites": draw(st.lists(st.sampled_from(_SITES), max_size=3))}
                if draw(st.booleans()):
                    rule["columns"] = draw(st.lists(st.sampled_from(_COLUMNS), max_size=2))
                if draw(st.booleans()):
                    rule["into"] = draw(st.sampled_from(_COLUMNS))
                if draw(st.booleans()):
                    rule["copy"] = draw(st.booleans())
                rules.append(rule)
            data["syndication"] = {"column": draw(st.sampled_from(_COLUMNS)), "rules": rules}
        sites[sid] = SimpleNamespace(id=sid, data=data)
    items = [SimpleNamespace(site_id=draw(st.sampled_from(_SITES)), column=draw(st.sampled_from(_COLUMNS)),
                             fields={"syndicate": draw(st.lists(st.sampled_from(_SITES + ["nosuch"]), max_size=2))})
             for _ in range(draw(st.integers(1, 6)))]
    return SimpleNamespace(sites=sites), items


@settings(max_examples=300, deadline=None)
@given(_groups())
def test_routes_from_the_rules_by_site_are_those_of_every_receiver_read(case):
    from workflow.build.syndication import routes, rules_by_site

    group, items = case
    rules = rules_by_site(group)
    for item in items:
        assert routes(item, group, rules) == routes(item, group) == _naive_routes(item, group)
