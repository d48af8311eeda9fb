"""The front matter of an item: common fields, then fields per content type."""
from __future__ import annotations

from workflow.model.relations import FORMS
from workflow.model.schema import Field, Schema

TYPES = {
    "news": "新闻",
    "notice": "通知公告",
    "policy": "政策文件",
    "service": "办事指南",
    "letter": "信件",
    "interview": "在线访谈",
    "survey": "网上调查",
    "page": "概况",
}

# The content type a column holds unless the item says otherwise.
DEFAULT_TYPE = {
    "概况": "page", "要闻": "news", "动态": "news", "通知公告": "notice", "政策文件": "policy",
    "人事任免": "notice", "政府采购": "notice", "专题": "page", "办事指南": "service",
    "信件": "letter", "在线访谈": "interview", "调查": "survey",
}

_ATTACHMENT = Field("附件", kind="mapping", fields={
    "file": Field("文件名", required=True, example="shenqingbiao.pdf"),
    "title": Field("附件标题", required=True, example="申请表"),
})

_IMAGE = Field("图片", kind="mapping", fields={
    "file": Field("图片文件名（放在信息文件旁边）", required=True, example="huiyi-xianchang.jpg"),
    "alt": Field("替代文字（说明图片内容，供读屏软件朗读；必填）", example="市政府常务会议现场"),
    "caption": Field("图片说明（显示在图片下方）", example="11月20日，市政府召开常务会议。"),
})

# 信件类型 of a letter (留言类型), as 12345 platforms classify them.
LETTER_KINDS = ("咨询", "建议", "投诉", "求助", "表扬", "其他")

COMMON = {
    "title": Field("标题", required=True, example="关于……的通知"),
    "date": Field("发布时间", kind="datetime", required=True, example="2026-11-20 09:30"),
    "source": Field("来源（发布单位）", required=True, example="南宁市人民政府办公厅",
                    missing_rule="source.missing", hint="第十七条：所有上网信息应明确注明出处或单位名称"),
    "author": Field("发布人（编辑标识）", kind="id", required=True, example="wei.lan",
                    missing_rule="author.missing"),
    "confidentiality": Field("保密审查", kind="choice", required=True, choices=("passed", "pending"),
                             example="passed", missing_rule="confidentiality.missing",
                             hint="第十六条：上网信息须经保密审查，审查通过后写 passed"),
    "formed": Field("信息形成日期", kind="date", example="2026-11-18"),
    "type": Field("内容类型", kind="choice", choices=tuple(TYPES), example="news"),
    "summary": Field("摘要", example="一句话说明要点"),
    "modified": Field("更新时间", kind="datetime", example="2026-11-21 10:00"),
    "tags": Field("专题标签", kind="list", item=Field("标签", kind="id"), example="[yingshang-huanjing]"),
    "interprets": Field("解读的政策文件（栏目/文件名，或 网站/栏目/文件名）",
                        example="zcwj/nanfubanfa-2026-18-gaoxiao-banchen"),
    "interpretation": Field("解读形式", kind="choice", choices=tuple(FORMS),
                            example="图解"),
    "syndicate": Field("报送网站", kind="list", item=Field("网站标识", kind="id"), example="[portal]"),
    "attachments": Field("附件", kind="list", item=_ATTACHMENT,
                         example="[{file: shenqingbiao.pdf, title: 申请表}]"),
    "images": Field("图片（第一张用于首页图片新闻和专题横幅）", kind="list", item=_IMAGE,
                    example="[{file: huiyi-xianchang.jpg, alt: 市政府常务会议现场}]"),
    "headline": Field("首页头条", kind="bool", example="true"),
    "privacy_allow": Field("审核确认可公开的号码或文字", kind="list", item=Field("文字"),
                           example="['0771-5550123']"),
    "approvals": Field("审核签名", kind="any"),
    "withdrawal": Field("复查撤除（govsite withdraw 生成）", kind="any"),
}

TYPE_FIELDS = {
    "policy": {
        "index_no": Field("索引号", required=True, example="000000000/2026-00001"),
        "issuer": Field("发文机关", required=True, example="南宁市人民政府"),
        "doc_number": Field("发文字号", example="南府发〔2026〕1号"),
        "written": Field("成文日期", kind="date", required=True, example="2026-11-18"),
        "subject": Field("主题分类", required=True, example="综合政务"),
        "validity": Field("有效性", kind="choice", required=True, choices=("有效", "失效", "废止"),
                          example="有效"),
        "superseded_note": Field("失效或废止说明", example="本文件已废止，由……替代。"),
        "superseded_by": Field("替代本文件的政策文件（栏目/文件名，或 网站/栏目/文件名）",
                               example="zcwj/nanfubanfa-2026-18-gaoxiao-banchen"),
        "republished": Field("转载", kind="bool", example="true"),
    },
    "service": {
        "service_name": Field("事项名称", required=True, example="失业保险金申领"),
        "basis": Field("设定依据", required=True, example="《失业保险条例》"),
        "conditions": Field("办理条件", kind="list", required=True, item=Field("条件"), example="[……]"),
        "materials": Field("申请材料", kind="list", required=True, item=Field("材料"), example="[……]"),
        "process": Field("办理流程", kind="list", required=True, item=Field("步骤"), example="[……]"),
        "time_limit": Field("承诺时限", required=True, example="5个工作日"),
        "fee": Field("收费标准", required=True, example="不收费"),
        "location": Field("办理地点", required=True, example="南宁市民中心"),
        "phone": Field("咨询电话", required=True, example="0771-5550123"),
        "supervise_phone": Field("监督电话", required=True, example="0771-5550124"),
    },
    "letter": {
        "number": Field("信件编号（受理平台编号）", required=True, example="NN20261110-0012"),
        "kind": Field("信件类型", kind="choice", required=True, choices=LETTER_KINDS, example="建议"),
        "received": Field("来信时间", kind="date", required=True, example="2026-11-10"),
        "question": Field("来信摘要", required=True, example="市民反映……"),
        "reply_unit": Field("答复单位", required=True, example="南宁市人力资源和社会保障局"),
        "replied": Field("答复时间", kind="date", example="2026-11-14"),
        "extended_to": Field("延期答复期限", kind="date", example="2026-12-01"),
        "extension_approved_by": Field("延期批准人", example="分管副局长"),
    },
    "interview": {
        "guests": Field("嘉宾", kind="list", required=True, item=Field("嘉宾"), example="[市人社局局长 某某]"),
        "host": Field("主持人", required=True, example="主持人 某某"),
        "held_at": Field("访谈时间", kind="datetime", required=True, example="2026-11-18 15:00"),
        "transcript": Field("文字实录", kind="list", required=True, example="[{q: 问, a: 答, speaker: 嘉宾}]",
                            item=Field("问答", kind="mapping", fields={
                                "q": Field("提问", required=True, example="……"),
                                "a": Field("回答", required=True, example="……"),
                                "speaker": Field("回答人", example="嘉宾"),
                                "asker": Field("提问人（网民提问写“网民”，不写为主持人）", example="网民"),
                            })),
    },
    "survey": {
        "opens": Field("开始日期", kind="date", required=True, example="2026-11-01"),
        "closes": Field("截止日期", kind="date", required=True, example="2026-11-30"),
        "questions": Field("调查问题", kind="list", required=True, item=Field("问题"), example="[……]"),
        "results_published": Field("调查结果公布日期（正文中写明调查结果）", kind="date", example="2026-12-05"),
        "respondents": Field("有效问卷数", kind="int", example="3268"),
    },
}

# Every field any type knows: an item may carry fields of another type only
# as a warning (unknown to its own type).
def schema_for(item_type: str) -> Schema:
    return {**COMMON, **TYPE_FIELDS.get(item_type, {})}
