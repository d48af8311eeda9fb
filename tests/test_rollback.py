"""Rollback by history (issue 15): back to the release live before the current one according to
the deploy log; never, without --force, to a tampered release or one that would bring back an
item withdrawn in the live one."""
import json

from tests.test_deploy import approved, build, deploy, live, log, target, two_builds  # noqa: F401 - fixtures


def name(link: str) -> str:
    return link.split("/")[1]


def rollback(group, target, *args):
    return group.govsite("rollback", "--to", target, *args)


def test_rollback_goes_to_the_previous_release_and_to_a_named_one(group, target, two_builds):
    first = two_builds(target)
    assert deploy(group, target)[0] == 0
    second = live(target)
    assert second != first
    code, out, err = rollback(group, target)
    assert code == 0, err
    assert live(target) == first
    page = (target / "current/portal/yaowen/yi-tiao-xinxi.html").read_text(encoding="utf-8")
    assert "第一版的标题" in page
    code, out, err = rollback(group, target, name(second))
    assert code == 0, err
    assert live(target) == second
    assert [e["action"] for e in log(target)] == ["deploy", "deploy", "rollback", "rollback"]


def test_rollback_follows_history_not_name_order(group, target, two_builds):
    """Deploy A, deploy B, roll back (to A), deploy A again: rolling back now returns to A,
    never to B, the build that was rolled back as bad."""
    a = name(two_builds(target))
    assert deploy(group, target)[0] == 0
    b = name(live(target))
    assert rollback(group, target)[0] == 0 and name(live(target)) == a
    approved(group, title="第一版的标题", body="第一版正文。\n")       # build A again
    build(group)
    assert deploy(group, target, "--force")[0] == 0
    a2 = name(live(target))
    assert sorted([a, b, a2]) == [a, b, a2]                          # by name, B is just before A2
    code, out, err = rollback(group, target)
    assert code == 0, err
    assert name(live(target)) == a
    code, out, err = rollback(group, target)                         # and nothing before A
    assert code == 1 and "没有可回滚" in err
    assert name(live(target)) == a


def test_rollback_without_an_earlier_release_is_a_clear_error(group, target):
    approved(group)
    build(group)
    assert deploy(group, target)[0] == 0
    before = live(target)
    code, out, err = rollback(group, target)
    assert code == 1
    assert "没有可回滚" in err and "未回滚，线上网站未改动" in err
    assert live(target) == before


def test_rollback_to_a_release_that_does_not_exist_is_a_clear_error(group, target):
    approved(group)
    build(group)
    assert deploy(group, target)[0] == 0
    code, out, err = rollback(group, target, "20990101T000000-deadbeef")
    assert code == 1
    assert "没有版本" in err and name(live(target)) in err


def test_a_log_that_disagrees_with_current_needs_a_named_release(group, target, two_builds):
    first = two_builds(target)
    assert deploy(group, target)[0] == 0
    (target / "deploy-log.jsonl").unlink()
    code, out, err = rollback(group, target)
    assert code == 1 and "不一致" in err and name(first) in err
    assert rollback(group, target, name(first))[0] == 0


def test_a_tampered_release_is_not_restored_without_force(group, target, two_builds):
    first = two_builds(target)
    assert deploy(group, target)[0] == 0
    second = live(target)
    page = target / first / "portal" / "index.html"
    page.unlink()                                            # break the hard link: only the old release changes
    page.write_text("<p>被篡改的首页</p>", encoding="utf-8")
    code, out, err = rollback(group, target)
    assert code == 1
    assert "未通过防篡改校验" in err and "被修改：index.html" in err and "--force" in err
    assert live(target) == second
    code, out, err = rollback(group, target, "--force")
    assert code == 0, err
    assert live(target) == first and "--force" in out
    assert log(target)[-1]["forced"] is True


def test_rollback_never_silently_brings_back_a_withdrawn_item(group, target):
    item = approved(group, slug="hui-che", title="将被撤除的信息")
    build(group)
    assert deploy(group, target)[0] == 0
    first = live(target)
    code, out, err = group.govsite("withdraw", item, "--reason", "经复查，信息有误", "--as", "zhong.shen",
                                   "--key", group.keys["zhong.shen"])
    assert code == 0, err
    build(group)
    assert deploy(group, target)[0] == 0
    second = live(target)
    signed = json.loads((target / "manifests" / name(second) / "portal.json").read_text(encoding="utf-8"))
    assert [w["path"] for w in signed["withdrawn"]] == ["content/portal/yaowen/hui-che.md"]
    code, out, err = rollback(group, target)
    assert code == 1
    assert "已撤除" in err and "content/portal/yaowen/hui-che.md" in err and "将被撤除的信息" in err
    assert live(target) == second
    code, out, err = rollback(group, target, name(first), "--force")
    assert code == 0, err
    assert live(target) == first


def test_a_release_whose_manifest_was_deleted_is_not_restored(group, target, two_builds):
    first = two_builds(target)
    assert deploy(group, target)[0] == 0
    (target / "manifests" / name(first) / "district.json").unlink()
    code, out, err = rollback(group, target)
    assert code == 1 and "没有签名清单" in err and "district" in err
