"""栏目共建: a topic of the portal collects tagged items from every site of the group."""
from __future__ import annotations

from tests.group_setup import main_of, page, published, receiving_portal

TOPIC = "yingshang-huanjing"
WITH_INTRO = {TOPIC: {"name": "优化营商环境", "intro": "zhuanti/yingshang-zhuanti"}}


def test_topic_page_lists_tagged_items_of_every_site_with_their_sources(group):
    receiving_portal(group)
    published(group, group.item("portal", "zhuanti", "yingshang-zhuanti", title="优化营商环境专题",
                                summary="集中发布优化营商环境的政策和动态。"))
    receiving_portal(group, topics=WITH_INTRO)
    published(group, group.item("portal", "yaowen", "tuijinhui", title="全市营商环境推进会召开",
                                source="测试市发展和改革委员会", tags=[TOPIC]))
    published(group, group.item("district", "yaowen", "zhengqi", title="区政企面对面座谈会",
                                source="某某区融媒体中心", tags=[TOPIC]))
    published(group, group.item("district", "yaowen", "wuguan", title="与专题无关的区里消息"))
    group.item("district", "yaowen", "weishen", title="未审核的专题信息", tags=[TOPIC])
    code, out, err = group.build()
    assert code == 0, out + err
    topic = main_of(page(group, f"portal/topic/{TOPIC}.html"))
    assert "<h1>优化营商环境</h1>" in topic
    assert 'href="/portal/yaowen/tuijinhui.html">全市营商环境推进会召开' in topic
    assert "测试市发展和改革委员会" in topic
    assert 'href="/district/yaowen/zhengqi.html">区政企面对面座谈会' in topic
    assert "测试市某某区人民政府 · 某某区融媒体中心" in topic
    assert "与专题无关的区里消息" not in topic
    assert "未审核的专题信息" not in topic
    assert "集中发布优化营商环境的政策和动态。" in topic
    assert 'href="/portal/zhuanti/yingshang-zhuanti.html">专题介绍' in topic
    # The topic column of the portal leads to the topic page, once: its intro item is not listed again.
    column = main_of(page(group, "portal/zhuanti/index.html"))
    assert column.count(f'href="/portal/topic/{TOPIC}.html"') == 1
    assert "站群各网站 2 条信息" in column
    assert "yingshang-zhuanti.html" not in column


def test_topic_sections_are_sub_columns_with_their_own_pages(group):
    """Items of a topic are grouped by content type into sub-columns (工作动态, 通知公告 …),
    each a block on the topic page and a page of its own."""
    receiving_portal(group, topics={TOPIC: {"name": "优化营商环境"}})
    published(group, group.item("portal", "yaowen", "tuijinhui", title="全市营商环境推进会召开", tags=[TOPIC]))
    published(group, group.item("portal", "tzgg", "zhengqiu", title="征求营商环境措施意见的公告", tags=[TOPIC]))
    published(group, group.item("district", "yaowen", "zhengqi", title="区政企面对面座谈会", tags=[TOPIC]))
    code, out, err = group.build()
    assert code == 0, out + err
    topic = main_of(page(group, f"portal/topic/{TOPIC}.html"))
    assert '<h2 id="h-sec-dongtai"><a href="/portal/topic/yingshang-huanjing/dongtai.html">工作动态</a></h2>' in topic
    assert '<h2 id="h-sec-tongzhi"><a href="/portal/topic/yingshang-huanjing/tongzhi.html">通知公告</a></h2>' in topic
    assert "政策文件" not in topic                      # an empty sub-column is not shown
    news = main_of(page(group, f"portal/topic/{TOPIC}/dongtai.html"))
    assert "<h1>优化营商环境：工作动态</h1>" in news
    assert "全市营商环境推进会召开" in news and "区政企面对面座谈会" in news and "征求营商环境措施意见" not in news
    notices = main_of(page(group, f"portal/topic/{TOPIC}/tongzhi.html"))
    assert "征求营商环境措施意见的公告" in notices and "全市营商环境推进会召开" not in notices


def test_a_topic_may_declare_its_own_sub_columns(group):
    receiving_portal(group, topics={TOPIC: {"name": "优化营商环境",
                                            "sections": {"gongzuo": {"name": "工作推进", "types": ["news"]}}}})
    published(group, group.item("portal", "yaowen", "tuijinhui", title="全市营商环境推进会召开", tags=[TOPIC]))
    published(group, group.item("portal", "tzgg", "zhengqiu", title="征求营商环境措施意见的公告", tags=[TOPIC]))
    code, out, err = group.build()
    assert code == 0, out + err
    topic = main_of(page(group, f"portal/topic/{TOPIC}.html"))
    assert ">工作推进</a></h2>" in topic and ">其他信息</a></h2>" in topic     # what no section takes
    assert "全市营商环境推进会召开" in main_of(page(group, f"portal/topic/{TOPIC}/gongzuo.html"))
    assert "征求营商环境措施意见的公告" in main_of(page(group, f"portal/topic/{TOPIC}/qita.html"))


def test_tag_of_a_topic_that_does_not_exist_is_refused(group):
    receiving_portal(group)
    path = published(group, group.item("district", "yaowen", "zhengqi", tags=[TOPIC]))
    receiving_portal(group, topics={"another": {"name": "另一个专题"}})
    findings = [f for f in group.check_json(path) if f["severity"] == "error"]
    assert [(f["rule"], f["field"]) for f in findings] == [("topic.unknown", "tags")]
    assert TOPIC in findings[0]["message"] and "another（另一个专题）" in findings[0]["fix"]
    code, out, err = group.build()
    assert "topic.unknown" in out
    assert not (group.output / "district" / "yaowen" / "zhengqi.html").exists()


def test_intro_item_of_a_topic_links_to_the_topic_page(group):
    receiving_portal(group)
    published(group, group.item("portal", "zhuanti", "yingshang-zhuanti", title="优化营商环境专题"))
    receiving_portal(group, topics=WITH_INTRO)
    published(group, group.item("district", "yaowen", "zhengqi", tags=[TOPIC]))
    code, out, err = group.build()
    assert code == 0, out + err
    intro = page(group, "portal/zhuanti/yingshang-zhuanti.html")
    assert f'<a href="/portal/topic/{TOPIC}.html">进入专题：优化营商环境（站群各网站 1 条信息）</a>' in intro
    assert "进入专题" not in page(group, "district/yaowen/zhengqi.html")


def test_topic_whose_intro_item_does_not_exist_is_a_config_error(group):
    receiving_portal(group, topics={TOPIC: {"name": "优化营商环境", "intro": "zhuanti/meiyou"}})
    code, out, err = group.govsite("check")
    assert code == 2
    assert "site.topics" in err and "portal/zhuanti/meiyou.md 不存在" in err


def test_topics_on_a_subordinate_site_are_a_config_error(group):
    receiving_portal(group)
    group.site("district", name="测试市某某区人民政府", type_="district", parent="portal",
               domain="district.test-city.gov.cn", columns={"yaowen": {"name": "区县要闻", "type": "要闻"}},
               reviewers={"qu.shen": {"name": "区审核人", "levels": ["终审"]}},
               review={"levels": ["终审"], "required": ["终审"]}, topics={"qu-zhuanti": {"name": "区专题"}})
    code, out, err = group.govsite("check")
    assert code == 2 and "只有门户网站可以设置专题" in err
