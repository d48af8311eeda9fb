"""Attachments: checked beside the item, published only for published items, listed with sizes."""
from __future__ import annotations

import os

import pytest

from tests.group_setup import main_of, page, published

PDF = b"%PDF-1.4\n" + b"0" * 3000


def att(file, title="附件"):
    return [{"file": file, "title": title}]


def folder(group):
    path = group.root / "content/district/yaowen"
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_attachment_is_published_beside_its_item_with_a_size_label(group):
    (folder(group) / "biao.pdf").write_bytes(PDF)
    published(group, group.item("district", "yaowen", "tongzhi", attachments=att("biao.pdf", "报名表")))
    code, out, err = group.build()
    assert code == 0, out + err
    assert (group.output / "district/yaowen/tongzhi/biao.pdf").read_bytes() == PDF
    html = main_of(page(group, "district/yaowen/tongzhi.html"))
    assert '<a href="/district/yaowen/tongzhi/biao.pdf">报名表</a> <span class="size">（2.9 KB）</span>' in html


def test_refused_items_attachments_are_published_only_where_a_published_item_uses_them(group):
    (folder(group) / "gongyong.pdf").write_bytes(PDF)
    (folder(group) / "zhiyou-weishen.pdf").write_bytes(PDF)
    group.item("district", "yaowen", "weishen", attachments=att("zhiyou-weishen.pdf") + att("gongyong.pdf"))
    published(group, group.item("district", "yaowen", "yishen", attachments=att("gongyong.pdf")))
    code, out, err = group.build()
    assert code == 0, out + err
    files = sorted(p.relative_to(group.output).as_posix() for p in group.output.rglob("*.pdf"))
    assert files == ["district/yaowen/yishen/gongyong.pdf"]


@pytest.mark.parametrize("setup, name, rule", [
    (lambda d: None, "meiyou.pdf", "attachment.missing"),
    (lambda d: (d / "chengxu.exe").write_bytes(b"MZ"), "chengxu.exe", "attachment.type"),
    (lambda d: (d / "wenjian").write_bytes(b"x"), "wenjian", "attachment.type"),
    (lambda d: (d.parent / "shangji.pdf").write_bytes(PDF), "../shangji.pdf", "attachment.outside"),
    (lambda d: None, "/etc/passwd.pdf", "attachment.outside"),
    (lambda d: None, "..\\shangji.pdf", "attachment.outside"),
    (lambda d: os.symlink("/etc/hostname", d / "lianjie.pdf"), "lianjie.pdf", "attachment.outside"),
    (lambda d: (os.makedirs(d.parent / "waimian", exist_ok=True), (d.parent / "waimian/a.pdf").write_bytes(PDF),
                os.symlink(d.parent / "waimian", d / "mulu")), "mulu/a.pdf", "attachment.outside"),
])
def test_bad_attachment_refuses_the_item_with_a_clear_finding(group, setup, name, rule):
    setup(folder(group))
    path = group.item("district", "yaowen", "huai", attachments=att(name))
    findings = [f for f in group.check_json(path) if f["rule"].startswith("attachment.")]
    assert [(f["rule"], f["severity"], f["field"]) for f in findings] == [(rule, "error", "attachments[0].file")]
    assert name in findings[0]["message"] and findings[0]["fix"]
    code, out, err = group.build()
    assert rule in out
    assert not (group.output / "district/yaowen/huai.html").exists()
    assert not (group.output / "district/yaowen/huai").exists()


def test_attachment_larger_than_the_configured_limit_is_refused(group):
    (group.root / "policy").mkdir()
    (group.root / "policy/attachments.yaml").write_text("extensions: [pdf]\nmax_mb: 0.002\n")
    (folder(group) / "da.pdf").write_bytes(PDF)
    (folder(group) / "xiao.pdf").write_bytes(b"%PDF" + b"0" * 1000)
    big = group.item("district", "yaowen", "da", attachments=att("da.pdf"))
    small = group.item("district", "yaowen", "xiao", attachments=att("xiao.pdf"))
    findings = [f for f in group.check_json(big) if f["rule"].startswith("attachment.")]
    assert [f["rule"] for f in findings] == ["attachment.too-large"]
    assert "2.9 KB" in findings[0]["message"] and "2.0 KB" in findings[0]["message"]
    assert not [f for f in group.check_json(small) if f["rule"].startswith("attachment.")]
