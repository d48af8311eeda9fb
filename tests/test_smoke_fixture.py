def test_fixture_group_builds_an_approved_item(group):
    item = group.item()
    code, out, err = group.approve(item, "zhong.shen")
    assert code == 0, err
    code, out, err = group.build()
    assert code == 0, err
    assert (group.output / "portal" / "yaowen" / "ceshi-xinxi.html").is_file()
