"""The site group foundation (issue 2): one theme, every site, every page's national fields."""
import json
import re
import threading
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.repo import DEMO
from workflow.model.sites import load_group

GROUP = load_group(DEMO)     # site.yaml only: pages come from demo_output
SITES = list(GROUP.sites.values())


def pages(out: Path, site):
    return sorted(p for p in (out / site.id).rglob("*.html") if "pagefind" not in p.parts)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def meta(doc, name):
    tag = doc.find("meta", attrs={"name": name})
    return tag["content"] if tag else None


def kind(out: Path, site, page: Path) -> str:
    rel = page.relative_to(out / site.id).as_posix()
    parts = rel.split("/")
    if len(parts) == 2 and parts[0] in site.columns:
        return "column" if re.match(r"index(_\d+)?\.html$", parts[1]) else "item"
    return "other"


def test_every_site_has_its_own_web_root_with_an_index(demo_output):
    for site in SITES:
        assert (demo_output / site.id / "index.html").is_file(), site.id
        assert (demo_output / site.id / "404.html").is_file(), site.id


@pytest.mark.parametrize("site", SITES, ids=lambda s: s.id)
def test_every_page_carries_the_footer_fields_and_the_site_meta_tags(demo_output, site):
    for page in pages(demo_output, site):
        doc = soup(page)
        assert doc.html["lang"] == "zh-CN", page
        assert meta(doc, "SiteName") == site.name, page
        assert meta(doc, "SiteDomain") == site.domain, page
        assert meta(doc, "SiteIDCode") == site.site_code, page
        footer = doc.find("footer")
        text = footer.get_text("", strip=True)
        for label, value in [("主办单位", site.sponsor), ("承办单位", site.organizer), ("网站标识码", site.site_code),
                             ("ICP备案号", site.icp), ("公安机关备案号", site.police_record),
                             ("联系方式", site.contact["phone"])]:
            assert label in text and value in text, (page, label)
        badge = footer.find("img", alt="党政机关网站标识")
        assert badge is not None and not badge["src"].startswith("http"), page
        assert footer.find("a", string="我为政府网站找错") is not None, page


@pytest.mark.parametrize("site", SITES, ids=lambda s: s.id)
def test_column_and_item_pages_carry_their_meta_tags_and_breadcrumb(demo_output, site):
    seen = {"column": 0, "item": 0}
    for page in pages(demo_output, site):
        k = kind(demo_output, site, page)
        if k == "other":
            continue
        seen[k] += 1
        doc = soup(page)
        column = site.columns[page.parent.name]
        assert meta(doc, "ColumnName") == column.name, page
        assert meta(doc, "ColumnType") == column.type, page
        crumb = doc.find(class_="breadcrumb").get_text("", strip=True)
        assert crumb.startswith("您的位置：首页»" + column.name), page
        if k == "item":
            assert meta(doc, "ArticleTitle") == doc.find("h1").get_text(strip=True), page
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", meta(doc, "PubDate")), page
            source = meta(doc, "ContentSource")
            line = doc.find(class_="item-meta").get_text(" ", strip=True)
            assert source and f"来源：{source}" in line and "发布时间：" in line and "发布人：" in line, page
    assert seen["column"] == len(site.columns)
    assert seen["item"] > 0


@pytest.mark.parametrize("site", [s for s in SITES if not s.is_portal], ids=lambda s: s.id)
def test_every_subordinate_site_page_links_to_the_portal(demo_output, site):
    portal = f"/{GROUP.portal.id}/"
    for page in pages(demo_output, site):
        hrefs = [a.get("href") for a in soup(page).find_all("a")]
        assert portal in hrefs, page


def test_portal_home_and_directory_list_every_site_of_the_group(demo_output):
    for page in ("index.html", "sites.html"):
        doc = soup(demo_output / GROUP.portal.id / page)
        directory = doc.find(class_="directory")
        links = {a["href"]: a for a in directory.find_all("a")}
        for site in SITES:
            link = links[f"/{site.id}/"]
            name = link.find(class_="dir-name").find(string=True, recursive=False)
            assert name == site.name and link.find(class_="dir-domain").get_text() == site.domain, (page, site.id)


def test_home_pages_show_the_latest_items_of_every_column(demo_output):
    for site in SITES:
        doc = soup(demo_output / site.id / "index.html")
        for column in site.columns.values():
            # The block headed by a link to the column (a column of 解读 only is the 政策解读 block).
            href = f"/{site.id}/{column.id}/"
            heading = next(h for h in doc.find("main").find_all("h2") if h.find("a", href=href))
            block = heading.find_parent("section")
            # A 专题 column shows its topics (their banners), the others their latest items.
            target = r"/topic/[a-z0-9-]+\.html$" if column.type == "专题" else rf"/{column.id}/[a-z0-9-]+\.html$"
            assert block.find("a", href=re.compile(target)), (site.id, column.id)


@pytest.mark.parametrize("path, doc_number, source, phrase", [
    ("portal/zcwj/nanfufa-2004-114.html", "南府发〔2004〕114号", "南宁市人民政府", "建立农村劳动力转移就业的政府推动机制"),
    ("dsj/zcwj/loudi-xinxihua-gongcheng-guanli-banfa.html", "娄政办发〔2008〕6号", "娄底市人民政府办公室",
     "本办法自2008年8月1日起执行"),
    ("portal/zcwj/zhengwu-wangzhan-guanli-banfa.html", None, "南宁市人民政府办公厅", "谁发布、谁审核、谁负责"),
])
def test_seed_documents_are_published_with_their_doc_numbers_and_sources(demo_output, path, doc_number, source,
                                                                         phrase):
    doc = soup(demo_output / path)
    assert meta(doc, "ContentSource") == source
    table = doc.find(class_="policy-meta").get_text(" ", strip=True)
    assert (doc_number or "发文字号 无") in table
    assert phrase in doc.find(class_="item-body").get_text()


def test_every_column_has_content_and_the_demo_has_at_least_30_items(demo_output):
    total = 0
    for site in SITES:
        for column in site.columns:
            items = [p for p in (demo_output / site.id / column).glob("*.html") if not p.name.startswith("index")]
            assert items, (site.id, column)
            total += len(items)
    assert total >= 30


def test_feeds_and_sitemaps_exist_per_site_and_per_column_and_list_only_published_items(demo_output):
    report = json.loads((demo_output / "report.json").read_text(encoding="utf-8"))
    published = {e["url"] for e in report["items"] if e["status"] == "published"}
    for site in SITES:
        feed = (demo_output / site.id / "feeds/all.atom.xml").read_text(encoding="utf-8")
        assert "<feed" in feed and f"https://{site.domain}/" in feed
        for column in site.columns.values():
            column_feed = (demo_output / site.id / f"feeds/{column.id}.atom.xml").read_text(encoding="utf-8")
            assert f"<title>{site.name} - {column.name}</title>" in column_feed       # its name, not its id
            listing = (demo_output / site.id / column.id / "index.html").read_text(encoding="utf-8")
            assert f'type="application/atom+xml" title="{column.name} - {site.name}" ' \
                   f'href="/{site.id}/feeds/{column.id}.atom.xml"' in listing
        sitemap = (demo_output / site.id / "sitemap.xml").read_text(encoding="utf-8")
        listed = set(re.findall(r"<loc>([^<]+\.html)</loc>", sitemap))
        items = {u for u in listed if u.split("/")[-2] in site.columns and "/index" not in u}
        assert items and items <= published, site.id


def test_production_build_keeps_the_real_domains(group):
    path = group.item()
    assert group.approve(path, "zhong.shen")[0] == 0
    code, out, err = group.build("--production")
    assert code == 0, err
    html = (group.output / "district/index.html").read_text(encoding="utf-8")
    assert 'href="https://www.test-city.gov.cn/"' in html
    assert "noindex" not in html
    sitemap = (group.output / "portal/sitemap.xml").read_text(encoding="utf-8")
    assert "https://www.test-city.gov.cn/yaowen/ceshi-xinxi.html" in sitemap


def test_build_prints_one_line_per_site_and_a_summary(group):
    code, out, err = group.build()
    assert code == 0
    lines = out.strip().splitlines()
    # sites are built in parallel: one line each, in the order they finish
    assert sorted(l.split("]")[0] for l in lines[:-1]) == ["[district", "[portal"]
    assert re.match(r"完成：2 个网站，\d+ 个页面，用时 [\d.]+ 秒", lines[-1])


def test_build_of_named_sites_only(group):
    code, out, err = group.build("--site", "district")
    assert code == 0
    assert (group.output / "district/index.html").is_file()
    assert not (group.output / "portal").exists()
    code, out, err = group.build("--site", "nosuch")
    assert code == 2 and "nosuch" in err


def test_column_lists_paginate_with_page_numbers(group):
    for n in range(17):
        path = group.item(slug=f"xinxi-{n:02d}", title=f"第{n}条信息", date=f"2026-11-{n + 1:02d} 09:00")
        assert group.approve(path, "zhong.shen")[0] == 0
    group.build()
    first = soup(group.output / "portal/yaowen/index.html")
    second = soup(group.output / "portal/yaowen/index_2.html")
    assert len(first.select(".item-list li")) == 15 and len(second.select(".item-list li")) == 2
    nav = first.find(class_="pagination")
    assert nav.find("a", href="/portal/yaowen/index_2.html", string="2") is not None
    assert second.find(class_="pagination").find("a", string="1")["href"] == "/portal/yaowen/"


def test_serve_previews_the_group_with_working_cross_site_navigation(demo_output):
    from workflow.publish.serve import make_server

    server = make_server(demo_output, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with urllib.request.urlopen(base + "/") as resp:          # redirects to the portal
            assert resp.url.endswith("/portal/") and "南宁市人民政府门户网站" in resp.read().decode()
        district = soup(demo_output / "qingxiu/index.html")
        to_portal = district.find("a", class_="to-portal")["href"]
        with urllib.request.urlopen(base + to_portal) as resp:
            assert resp.status == 200
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(base + "/qingxiu/no-such-page.html")
        assert missing.value.code == 404 and "页面不存在" in missing.value.read().decode()
        assert (demo_output / ".govsite-cache/fingerprints.json").is_file()
        with pytest.raises(urllib.error.HTTPError) as hidden:        # the build's memory is not a page
            urllib.request.urlopen(base + "/.govsite-cache/fingerprints.json")
        assert hidden.value.code == 404
    finally:
        server.shutdown()
        server.server_close()
