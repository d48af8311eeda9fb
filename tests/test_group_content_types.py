"""Content types: each type's page layout, and a missing required field refuses the item naming it."""
from __future__ import annotations

import pytest

from tests.group_setup import main_of, page, published

SERVICE = {
    "type": "service", "service_name": "临时救助申请", "basis": "《社会救助暂行办法》",
    "conditions": ["本区户籍居民"], "materials": ["申请书", "身份证"], "process": ["申请", "审核", "发放"],
    "time_limit": "5个工作日", "fee": "不收费", "location": "区政务服务中心", "phone": "0000-5550001",
    "supervise_phone": "0000-5550002",
}
LETTER = {"type": "letter", "number": "CS20261110-0007", "kind": "求助", "received": "2026-11-10",
          "question": "小区路灯不亮，请求维修。", "reply_unit": "某某区城市管理局", "replied": "2026-11-14"}
INTERVIEW = {"type": "interview", "guests": ["区人社局局长 张三"], "host": "主持人 李四",
             "held_at": "2026-11-18 15:00",
             "transcript": [{"q": "今年冬季招聘会有哪些安排？", "a": "共安排三场专场招聘会。", "speaker": "张三"}]}


def test_policy_shows_the_metadata_table_and_a_banner_when_repealed(group):
    published(group, group.item("portal", "zcwj", "feizhi", title="测试市某某管理办法", doc_number="测府发〔2004〕1号",
                                validity="废止", superseded_note="由测府发〔2026〕2号替代。"))
    code, out, err = group.build()
    assert code == 0, out + err
    html = main_of(page(group, "portal/zcwj/feizhi.html"))
    assert '<p class="validity-banner" role="note">本文件已废止。由测府发〔2026〕2号替代。</p>' in html
    for label, value in [("索引号", "000/2026-001"), ("主题分类", "综合政务"), ("发文机关", "测试市人民政府"),
                         ("成文日期", "2026-11-18"), ("发文字号", "测府发〔2004〕1号"), ("发布日期", "2026-11-20"),
                         ("有效性", "废止")]:
        assert f'<th scope="row">{label}</th><td>{value}' in html or \
            f'<th scope="row">{label}</th><td colspan="3">{value}' in html, label


def test_valid_policy_has_no_banner(group):
    published(group, group.item("portal", "zcwj", "youxiao"))
    code, out, err = group.build()
    assert "validity-banner" not in page(group, "portal/zcwj/youxiao.html")


def test_service_guide_shows_every_field_and_its_forms(group):
    (group.root / "content/district/yaowen").mkdir(parents=True, exist_ok=True)
    (group.root / "content/district/yaowen/shenqingshu.docx").write_bytes(b"x" * 2048)
    published(group, group.item("district", "yaowen", "jiuzhu", title="临时救助申请办事指南",
                                attachments=[{"file": "shenqingshu.docx", "title": "临时救助申请书"}], **SERVICE))
    code, out, err = group.build()
    assert code == 0, out + err
    html = main_of(page(group, "district/yaowen/jiuzhu.html"))
    for label in ["事项名称", "设定依据", "办理条件", "申请材料", "办理流程", "承诺时限", "收费标准", "办理地点",
                  "咨询电话", "监督电话", "表格下载"]:
        assert f'<th scope="row">{label}</th>' in html, label
    assert '<a href="/district/yaowen/jiuzhu/shenqingshu.docx">临时救助申请书</a>（2.0 KB）' in html
    assert "<li>审核</li>" in html and "区政务服务中心" in html


def test_letter_shows_question_reply_unit_and_dates(group):
    published(group, group.item("district", "yaowen", "ludeng", title="关于小区路灯的来信",
                                body="已安排维修，路灯于11月13日恢复照明。\n", **LETTER))
    code, out, err = group.build()
    html = main_of(page(group, "district/yaowen/ludeng.html"))
    for label, value in [("来信时间", "2026-11-10"), ("来信摘要", "小区路灯不亮，请求维修。"),
                         ("答复单位", "某某区城市管理局"), ("答复时间", "2026-11-14")]:
        assert f"<dt>{label}</dt><dd>{value}</dd>" in html, label
    assert html.index("答复内容") < html.index("已安排维修")


def test_interview_shows_guests_host_time_and_transcript_as_questions_and_answers(group):
    published(group, group.item("district", "yaowen", "fangtan", title="冬季就业服务在线访谈", **INTERVIEW))
    code, out, err = group.build()
    html = main_of(page(group, "district/yaowen/fangtan.html"))
    assert "<dt>嘉宾</dt><dd>区人社局局长 张三</dd>" in html
    assert "<dt>主持人</dt><dd>主持人 李四</dd>" in html
    assert "<dt>访谈时间</dt><dd>2026-11-18 15:00</dd>" in html
    assert '<p class="q"><strong>主持人：</strong>今年冬季招聘会有哪些安排？</p>' in html
    assert '<p class="a"><strong>张三：</strong>共安排三场专场招聘会。</p>' in html


@pytest.mark.parametrize("fields, required", [
    ({"type": "policy"}, {"index_no", "issuer", "written", "subject", "validity"}),
    ({"type": "service"}, set(SERVICE) - {"type"}),
    ({"type": "letter"}, {"number", "kind", "received", "question", "reply_unit"}),
    ({"type": "interview"}, {"guests", "host", "held_at", "transcript"}),
])
def test_missing_required_fields_of_the_type_refuse_the_item_naming_them(group, fields, required):
    path = group.item("district", "yaowen", "queshao", **fields)
    missing = [f for f in group.check_json(path) if f["rule"] == "schema.missing"]
    assert {f["field"] for f in missing} == required
    assert all(f["severity"] == "error" and f["field"] in f["message"] for f in missing)
    code, out, err = group.build()
    assert not (group.output / "district/yaowen/queshao.html").exists()
