"""复查撤除: a signed withdrawal takes an item off every list; its URL says so, or answers 410."""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest

from tests.group_setup import page, published, receiving_portal
from workflow.publish.serve import make_server

REASON = "经复查，文中联系电话有误"


def withdraw(group, path, reviewer="qu.shen", *extra, reason=REASON):
    return group.govsite("withdraw", path, "--reason", reason, "--as", reviewer,
                         "--key", group.keys[reviewer], *extra)


def syndicated_item(group, slug="chehui", **fields):
    (group.root / "content/district/yaowen").mkdir(parents=True, exist_ok=True)
    (group.root / "content/district/yaowen/biao.pdf").write_bytes(b"%PDF-1.4 test")
    return published(group, group.item("district", "yaowen", slug, title="将被撤除的信息",
                                       body="这段正文只属于将被撤除的信息。\n", syndicate=["portal"],
                                       tags=["yingshang-huanjing"],
                                       attachments=[{"file": "biao.pdf", "title": "附表"}], **fields))


def test_withdrawn_item_leaves_lists_feeds_sitemap_search_and_portal_and_its_url_shows_a_notice(group):
    receiving_portal(group)
    path = syndicated_item(group)
    published(group, group.item("district", "yaowen", "liuxia", title="留下的信息"))
    code, out, err = withdraw(group, path)
    assert code == 0, out + err
    assert "已撤除" in out
    code, out, err = group.build()
    assert code == 0, out + err
    out_dir = group.output
    for rel in ["district/index.html", "district/yaowen/index.html", "district/feeds/all.atom.xml",
                "district/feeds/yaowen.atom.xml", "district/sitemap.xml", "portal/xqbm/index.html",
                "portal/index.html", "portal/topic/yingshang-huanjing.html", "portal/feeds/xqbm.atom.xml"]:
        assert "chehui" not in page(group, rel) and "将被撤除的信息" not in page(group, rel), rel
    assert "留下的信息" in page(group, "district/yaowen/index.html")
    notice = page(group, "district/yaowen/chehui.html")
    assert "该信息已撤除" in notice and REASON in notice and "将被撤除的信息" in notice
    assert "撤除日期" in notice
    assert "data-pagefind-body" not in notice
    assert "这段正文只属于将被撤除的信息" not in notice
    assert not (out_dir / "district/yaowen/chehui").exists()        # no attachments
    # The search index holds the one item left, not the notice.
    entry = json.loads(page(group, "district/pagefind/pagefind-entry.json"))
    assert [lang["page_count"] for lang in entry["languages"].values()] == [1]
    status = {i["path"]: i["status"] for i in group.report()["items"]}
    assert status["content/district/yaowen/chehui.md"] == "withdrawn"


def test_withdrawal_keeps_the_approvals_valid_and_check_passes(group):
    receiving_portal(group)
    path = syndicated_item(group)
    assert withdraw(group, path)[0] == 0
    code, out, err = group.govsite("check", path)
    assert code == 0, out + err


def test_gone_mode_publishes_nothing_and_nginx_answers_410(group):
    receiving_portal(group)
    path = syndicated_item(group)
    assert withdraw(group, path, "qu.shen", "--mode", "gone")[0] == 0
    code, out, err = group.build()
    assert code == 0, out + err
    assert not (group.output / "district/yaowen/chehui.html").exists()
    code, out, err = group.govsite("nginx-config")
    assert code == 0, err
    district = out[out.index("server_name district.test-city.gov.cn"):]
    assert "location = /yaowen/chehui.html { return 410; }" in district
    assert "location ^~ /yaowen/chehui/ { return 410; }" in district
    # The preview server answers as nginx does, with the site's own 410 page.
    server = make_server(group.output, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/district/yaowen/"
    try:
        for url, code in [("chehui.html", 410), ("chehui/biao.pdf", 410), ("chehui-2.html", 404)]:
            with pytest.raises(urllib.error.HTTPError) as answer:
                urllib.request.urlopen(base + url)
            assert answer.value.code == code, url
            assert answer.value.read() == (group.output / f"district/{code}.html").read_bytes()
    finally:
        server.shutdown()
        server.server_close()


def test_edit_after_withdrawal_voids_it_and_the_item_stays_off_the_site(group):
    receiving_portal(group)
    path = syndicated_item(group)
    assert withdraw(group, path)[0] == 0
    path.write_text(path.read_text(encoding="utf-8").replace("这段正文", "改过的正文"), encoding="utf-8")
    findings = group.check_json(path)
    assert "withdrawal.invalid" in {f["rule"] for f in findings}
    code, out, err = group.build()
    assert not (group.output / "district/yaowen/chehui.html").exists()
    assert "将被撤除的信息" not in page(group, "portal/xqbm/index.html")


def test_withdrawal_signed_with_someone_elses_key_is_refused(group):
    receiving_portal(group)
    path = syndicated_item(group)
    code, out, err = group.govsite("withdraw", path, "--reason", REASON, "--as", "qu.shen",
                                   "--key", group.keys["zhong.shen"])
    assert code == 1 and "签名无法通过验证" in err
    assert "withdrawal:" not in path.read_text(encoding="utf-8")


def test_only_a_final_level_reviewer_of_the_site_may_withdraw(group):
    receiving_portal(group)
    path = published(group, group.item("portal", "yaowen", "yaowen-a"))
    code, out, err = withdraw(group, path, "chu.shen")
    assert code == 1
    assert "chu.shen 不是本网站“终审”级别的审核人" in err and "zhong.shen" in err
    code, out, err = withdraw(group, syndicated_item(group), "zhong.shen")
    assert code == 1 and "zhong.shen 不是本网站“终审”级别的审核人" in err


def test_withdraw_with_bad_input_says_what_is_wrong(group):
    receiving_portal(group)
    path = syndicated_item(group)
    code, out, err = withdraw(group, path, reason="   ")
    assert code == 2 and "撤除原因不能为空" in err
    code, out, err = withdraw(group, group.root / "content/district/site.yaml")
    assert code == 2 and "不是信息文件" in err
    code, out, err = withdraw(group, group.root / "content/district/yaowen/meiyou.md")
    assert code == 2 and "找不到文件" in err
    code, out, err = group.govsite("withdraw", path, "--reason", REASON, "--as", "qu.shen",
                                   "--key", group.root / "no-key")
    assert code == 2 and "找不到私钥" in err
    code, out, err = withdraw(group, path, "qu.shen", "--mode", "hide")
    assert code == 2 and "--mode" in err
    code, out, err = group.govsite("withdraw", path, "--as", "qu.shen", "--key", group.keys["qu.shen"])
    assert code == 2 and "--reason" in err


def test_hand_written_withdrawal_block_is_refused_not_honoured(group):
    receiving_portal(group)
    path = syndicated_item(group)
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("\n---\n", 1)
    path.write_text(head + "\nwithdrawal:\n  by: qu.shen\n  reason: 手写\n---\n" + rest, encoding="utf-8")
    findings = group.check_json(path)
    assert {"withdrawal.invalid"} <= {f["rule"] for f in findings}
    assert any(f["field"] == "withdrawal.at" for f in findings)
    code, out, err = group.build()
    assert not (group.output / "district/yaowen/chehui.html").exists()
