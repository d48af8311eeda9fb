"""Scheduled publishing (issue 7): an approved item dated in the future goes live only from its date."""
import json

from tests.test_deploy import approved, build, deploy, live, releases, target  # noqa: F401 - fixture

WHEN = "2026-12-01 10:00"
PAGE = "portal/yaowen/ding-shi-fa-bu.html"


def test_an_approved_item_dated_in_the_future_is_published_from_its_date_only(group, target):
    approved(group, slug="ding-shi-fa-bu", title="定时发布的信息", date=WHEN)
    approved(group, slug="yi-fa-bu", title="已发布的信息", date="2026-11-20 09:30")

    build(group, "--strict", "--as-of", "2026-12-01 09:59")
    entry = {i["path"].split("/")[-1]: i["status"] for i in group.report()["items"]}
    assert entry == {"ding-shi-fa-bu.md": "scheduled", "yi-fa-bu.md": "published"}
    assert not (group.output / PAGE).exists()
    for page in ["portal/index.html", "portal/yaowen/index.html", "portal/feeds/all.atom.xml", "portal/sitemap.xml"]:
        assert "ding-shi-fa-bu" not in (group.output / page).read_text(encoding="utf-8"), page
    listed = json.loads((group.output / ".manifests/portal.json").read_text(encoding="utf-8"))["items"]
    assert [i["path"].split("/")[-1] for i in listed] == ["yi-fa-bu.md"]
    assert deploy(group, target)[0] == 0
    assert not (target / "current" / PAGE).exists()

    build(group, "--strict", "--as-of", WHEN)                 # the scheduled rebuild at its date
    assert {i["status"] for i in group.report()["items"]} == {"published"}
    assert "定时发布的信息" in (group.output / PAGE).read_text(encoding="utf-8")
    assert "ding-shi-fa-bu" in (group.output / "portal/yaowen/index.html").read_text(encoding="utf-8")
    assert deploy(group, target)[0] == 0
    assert len(releases(target)) == 2
    assert (target / "current" / PAGE).is_file()
    log = [json.loads(l) for l in (target / "deploy-log.jsonl").read_text().splitlines()]
    assert "content/portal/yaowen/ding-shi-fa-bu.md" not in log[0]["items"]["portal"]
    assert "content/portal/yaowen/ding-shi-fa-bu.md" in log[1]["items"]["portal"]
