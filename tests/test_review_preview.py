"""The review preview and the reviewer's list (issue 16, points 2 and 3)."""
import json

from tests.group_setup import published
from tests.repo import DEPLOY

EDITOR = ("编辑甲", "editor.a@test-city.gov.cn")
REVIEWER = ("终审人", "zhong.shen@test-city.gov.cn")


def test_a_review_build_shows_pending_items_marked_and_keeps_others_out(group):
    published(group, group.item(slug="yi-fabu"))
    pending = group.item(slug="dai-shenhe", title="待审核的通知")
    group.item(slug="you-wenti", confidentiality="pending")
    code, out, err = group.build("--review", "--strict")
    assert code == 1 and "拒绝发布 content/portal/yaowen/you-wenti.md" in out     # strict: a real refusal fails
    assert "拒绝发布 content/portal/yaowen/dai-shenhe.md" not in out              # pending does not
    page = (group.output / "portal/yaowen/dai-shenhe.html").read_text(encoding="utf-8")
    assert "待审核·未发布" in page and "本条信息尚未审核通过，还需要：终审" in page
    assert '<meta name="robots" content="noindex">' in page and 'class="review-preview"' in page
    assert "待审核的通知" in (group.output / "portal/yaowen/index.html").read_text(encoding="utf-8")
    assert not (group.output / "portal/yaowen/you-wenti.html").exists()
    published_page = (group.output / "portal/yaowen/yi-fabu.html").read_text(encoding="utf-8")
    assert "待审核·未发布" in published_page and "尚未审核通过" not in published_page   # the whole build is a preview
    report = group.report()
    assert report["mode"] == "review" and report["review_preview"] is True
    status = {i["path"].rsplit("/", 1)[1]: (i["status"], i.get("pending")) for i in report["items"]}
    assert status == {"yi-fabu.md": ("published", None), "dai-shenhe.md": ("pending", ["终审"]),
                      "you-wenti.md": ("refused", None)}
    manifest = json.loads((group.output / ".manifests/portal.json").read_text(encoding="utf-8"))
    assert manifest["review_preview"] is True and manifest["build"]["mode"] == "review"
    assert {"path": "content/portal/yaowen/dai-shenhe.md", "pending": ["终审"]}.items() <= \
        next(i for i in manifest["items"] if i["path"].endswith("dai-shenhe.md")).items()
    assert pending.exists()


def test_deploy_refuses_a_review_preview_even_with_force_and_leaves_the_live_site(group, tmp_path):
    published(group, group.item(slug="yi-fabu"))
    assert group.build("--production")[0] == 0
    target = tmp_path / "live"
    target.mkdir()
    sign = ("--sign-key", group.keys[DEPLOY])
    assert group.govsite("deploy", "--to", target, *sign)[0] == 0
    live = (target / "current").resolve()
    group.item(slug="dai-shenhe")
    assert group.build("--review")[0] == 0
    code, out, err = group.govsite("deploy", "--to", target, "--force", *sign)
    assert code == 1 and "审核预览" in err
    assert (target / "current").resolve() == live
    report = group.output / "report.json"                       # a report edited to hide it: the manifests say so
    data = json.loads(report.read_text(encoding="utf-8"))
    data.pop("review_preview")
    data["mode"] = "preview"
    data["items"] = [i for i in data["items"] if i["status"] != "pending"]
    report.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = group.govsite("deploy", "--to", target, "--allow-preview", *sign)
    assert code == 1 and "审核预览" in err


def test_a_normal_build_after_a_review_build_publishes_only_approved_items(group):
    group.item(slug="dai-shenhe")
    assert group.build("--review")[0] == 0
    assert (group.output / "portal/yaowen/dai-shenhe.html").exists()
    group.build()
    assert not (group.output / "portal/yaowen/dai-shenhe.html").exists()
    assert group.report()["mode"] == "preview" and "review_preview" not in group.report()


def test_review_and_production_together_is_a_usage_error(group):
    code, out, err = group.build("--review", "--production")
    assert code == 2 and "不能同时使用" in err


def test_review_lists_what_awaits_a_reviewer_with_the_change_since_the_last_approval(group):
    path = group.item(slug="gai-guo", body="第一段。\n第二段。\n")
    group.commit("新增", author=EDITOR, date="2026-11-20T09:00:00+08:00")
    assert group.approve(path, "zhong.shen")[0] == 0
    group.commit("终审", author=REVIEWER)
    path.write_text(path.read_text(encoding="utf-8").replace("第二段。", "第二段（修改）。"), encoding="utf-8")
    group.commit("修改", author=EDITOR)
    new = group.item(column="zcwj", slug="xin-wenjian", body="新文件正文。\n")
    code, out, err = group.govsite("review", "--as", "zhong.shen")
    assert code == 0, err
    assert "content/portal/yaowen/gai-guo.md  [待审核]" in out
    assert "-第二段。" in out and "+第二段（修改）。" in out and "自上次审核（终审 zhong.shen，提交 " in out
    assert "content/portal/zcwj/xin-wenjian.md" in out and "+新文件正文。" in out and "全文（新信息，从未审核）" in out
    assert "预览：http://127.0.0.1:8000/portal/yaowen/gai-guo.html" in out
    code, out, err = group.govsite("review", "--as", "chu.shen")
    assert "xin-wenjian.md" in out and "gai-guo.md" not in out       # chu.shen holds 初审 only
    assert new.exists()


def test_review_markdown_is_one_table_row_per_changed_item(group):
    published(group, group.item(slug="yi-fabu"))
    group.commit("base", author=EDITOR, date="2026-11-01T09:00:00+08:00")
    group.git("checkout", "-q", "-b", "pr")
    group.item(slug="dai|shenhe".replace("|", "-"), title="标题|含竖线")
    group.item(slug="you-wenti", confidentiality="pending")
    group.commit("pr", author=EDITOR)
    code, out, err = group.govsite("review", "--base", "main", "--markdown", "--preview-url", "https://ci.example/p")
    assert code == 0, err
    rows = [l for l in out.splitlines() if l.startswith("| `content/")]
    assert len(rows) == 2 and all(r.count(" | ") == 4 for r in rows)
    pending = next(r for r in rows if "dai-shenhe" in r)
    assert "| 待审核 |" in pending and "“终审”（可审核：zhong.shen（终审人））" in pending
    assert "[打开](https://ci.example/p/portal/yaowen/dai-shenhe.html)" in pending
    refused = next(r for r in rows if "you-wenti" in r)
    assert "| 被拒绝 |" in refused and "confidentiality.pending" in refused
    assert out.count("<details>") == 2 and "```diff" in out


def test_review_of_an_unknown_reviewer_is_a_usage_error(group):
    code, out, err = group.govsite("review", "--as", "nobody")
    assert code == 2 and "没有标识为“nobody”的审核人" in err and "zhong.shen" in err
