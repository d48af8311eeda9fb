"""After the build: every internal link of the group resolves; the theme's own links are allowlisted."""

from workflow.build import linkgraph
from workflow.model.sites import load_group


def published(group, site="portal", reviewer="zhong.shen", **kw):
    path = group.item(site=site, **kw)
    code, out, err = group.approve(path, reviewer)
    assert code == 0, out + err
    return path


def broken(group) -> dict:
    return {page: [f["message"] for f in fs] for page, fs in group.report()["pages"].items()}


def test_broken_internal_link_and_missing_fragment_are_reported_per_page_and_fail_strict(group):
    published(group, slug="ye-b", body="正文。\n\n## 小标题\n\n内容。\n")
    group.item(column="tzgg", slug="bu-cunzai")     # exists (check resolves it) but never approved: no page
    published(group, slug="ye-a", body=(
        "[不存在的通知](../tzgg/bu-cunzai.html)\n\n"
        "[缺少的锚点](ye-b.html#bucunzai)\n\n"
        "[存在的锚点](ye-b.html#小标题)\n\n"
        "[栏目首页](../tzgg/)\n"))
    code, out, err = group.build("--strict")
    assert code == 1
    assert "link.broken-internal" in err
    pages = broken(group)
    assert list(pages) == ["portal/yaowen/ye-a.html"]
    messages = " ".join(pages["portal/yaowen/ye-a.html"])
    assert "不存在的通知" in messages and "../tzgg/bu-cunzai.html" in messages
    assert "#bucunzai" in messages
    assert "小标题" not in messages and "栏目首页" not in messages
    assert len(pages["portal/yaowen/ye-a.html"]) == 2
    assert group.report()["pages"]["portal/yaowen/ye-a.html"][0]["rule"] == "link.broken-internal"


def test_build_without_broken_links_passes_strict(group):
    published(group, slug="ye-b")
    published(group, slug="ye-a", body="[另一篇](ye-b.html)\n")
    code, out, err = group.build("--strict")
    assert code == 0, out + err
    assert group.report()["pages"] == {}


def test_cross_site_link_by_domain_resolves_in_the_built_group(group):
    published(group, slug="shi-xinxi")
    published(group, site="district", reviewer="qu.shen", slug="qu-xinxi", body=(
        "[市政府信息](https://www.test-city.gov.cn/yaowen/shi-xinxi.html)\n\n"
        "[市政府旧信息](https://www.test-city.gov.cn/yaowen/yi-shan-chu.html)\n"))
    code, out, err = group.build()
    assert code == 0, out + err
    pages = broken(group)
    assert list(pages) == ["district/yaowen/qu-xinxi.html"]
    assert "yi-shan-chu.html" in pages["district/yaowen/qu-xinxi.html"][0]
    assert len(pages["district/yaowen/qu-xinxi.html"]) == 1
    # building one site alone resolves links into the others' last output
    code, out, err = group.build("--site", "district")
    assert code == 0, out + err
    assert list(broken(group)) == ["district/yaowen/qu-xinxi.html"]


def test_production_build_of_a_clean_group_has_no_broken_links(group):
    published(group, slug="shi-xinxi")
    published(group, site="district", reviewer="qu.shen", slug="qu-xinxi",
              body="[市政府信息](https://www.test-city.gov.cn/yaowen/shi-xinxi.html#main)\n")
    code, out, err = group.build("--production", "--strict")
    assert code == 0, out + err
    assert group.report()["mode"] == "production" and group.report()["pages"] == {}


def test_preview_link_to_another_site_path_resolves(group):
    published(group, site="district", reviewer="qu.shen", slug="qu-xinxi")
    page = group.output / "district" / "yaowen" / "qu-xinxi.html"
    group.build()
    html = page.read_text(encoding="utf-8").replace(
        "</main>", '<a href="/portal/sitemap.html#main">门户地图</a><a href="/portal/nope.html">坏</a></main>')
    page.write_text(html, encoding="utf-8")
    found = linkgraph.check_built(group.output, load_group(group.root), ["district"], "preview")
    assert [f.message for f in found["district/yaowen/qu-xinxi.html"]] == [
        "链接“坏” /portal/nope.html 指向的页面或文件不存在"]


def test_link_out_of_the_output_folder_does_not_resolve(group):
    published(group, slug="ye-a", body="[系统文件](../../../../../../../../etc/hostname)\n")
    group.build()
    assert "etc/hostname" in " ".join(broken(group)["portal/yaowen/ye-a.html"])


def test_theme_link_to_a_host_not_allowlisted_fails_the_build(group):
    base = group.root / "themes" / "govsite" / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace(
        "</footer>", '<a href="https://www.gov.cn.evil.example/ad">广告</a></footer>'), encoding="utf-8")
    code, out, err = group.build()
    assert code == 2
    assert "link.not-allowed" in err and "themes/govsite/templates/base.html" in err
    assert "www.gov.cn.evil.example" in err
    assert not (group.output / "portal").exists()


def test_theme_css_url_to_a_host_not_allowlisted_fails_the_build(group):
    css = group.root / "themes" / "govsite" / "static" / "css" / "site.css"
    css.write_text(css.read_text(encoding="utf-8") + '\nbody { background: url("//evil.example/bg.png"); }\n',
                   encoding="utf-8")
    code, out, err = group.build()
    assert code == 2
    line = len(css.read_text(encoding="utf-8").rstrip("\n").split("\n"))
    assert f"themes/govsite/static/css/site.css:{line}" in err


def test_the_shipped_theme_links_only_to_allowlisted_hosts(demo_root):
    assert linkgraph.check_theme(load_group(demo_root)) == []


def test_root_path_without_site_id_is_broken_in_preview_but_resolves_in_production(group):
    published(group, site="district", reviewer="qu.shen", slug="qu-xinxi")
    published(group, site="district", reviewer="qu.shen", slug="qu-xinxi-2")
    for mode in ((), ("--production",)):
        group.build(*mode)
        page = group.output / "district" / "yaowen" / "qu-xinxi.html"
        page.write_text(page.read_text(encoding="utf-8").replace(
            "</main>", '<a href="/yaowen/qu-xinxi-2.html">另一篇</a></main>'), encoding="utf-8")
        found = linkgraph.check_built(group.output, load_group(group.root), ["district"],
                                      "production" if mode else "preview")
        if mode:
            assert found == {}
        else:
            assert "/yaowen/qu-xinxi-2.html" in found["district/yaowen/qu-xinxi.html"][0].message
