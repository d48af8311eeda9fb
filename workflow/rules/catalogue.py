"""Every finding an item can get, by id, with its Chinese name (the report's
tables, the annual figures). tests/test_architecture.py checks that every id
the code can produce is here."""
from __future__ import annotations

NAMES = {
    # reading the file
    "schema.unreadable": "文件无法读取", "schema.too-large": "文件过大", "schema.bom": "文件带 BOM",
    "schema.encoding": "不是 UTF-8 编码", "schema.empty": "文件为空", "schema.front-matter": "front matter 格式错误",
    "schema.yaml": "YAML 格式错误", "schema.signature-block": "签名块写法错误", "text.control-char": "含控制字符",
    "content.symlink": "使用了符号链接", "internal.error": "检查出错",
    # the front matter
    "schema.location": "文件位置错误", "schema.slug": "文件名不规范", "schema.type": "字段格式错误",
    "schema.missing": "缺少必填字段", "schema.unknown-field": "未知字段", "source.missing": "未注明来源",
    "author.missing": "未注明发布人", "author.unknown": "发布人未登记", "confidentiality.missing": "未注明保密审查",
    "confidentiality.pending": "保密审查未完成", "html.in-field": "字段含 HTML", "placeholder.field": "字段仍是待填写",
    "placeholder.body": "正文仍是待填写",
    # approvals and withdrawals
    "approval.missing": "未经审核", "approval.level-missing": "缺少审核级别", "approval.invalid": "审核签名无效",
    "approval.stale": "审核后内容已改动", "approval.before-change": "审核早于最后修改", "approval.future": "审核时间在未来",
    "approval.unknown-signer": "签名人未登记", "approval.not-authorised": "审核人无权审核",
    "approval.self": "自己审核自己", "approval.same-person": "同一人签署两级",
    "withdrawal.invalid": "撤除签名无效", "withdrawal.not-authorised": "撤除人无权撤除",
    "withdrawal.removed": "删除撤除记录后重新发布",
    # the body and its links
    "link.not-allowed": "链接不在白名单", "link.root-path": "站内链接以 / 开头", "link.internal": "站内链接失效",
    "link.broken-internal": "页面链接失效", "html.unsafe": "含不允许的 HTML", "html.malformed": "HTML 标签未结束",
    "html.unbalanced": "HTML 不完整",
    # privacy and words
    "privacy.id-number": "含身份证号码", "privacy.mobile": "含手机号码", "privacy.bank-card": "含银行卡号",
    "privacy.allow-unused": "多余的隐私例外", "secret.marking": "含密级或内部标志", "words.sensitive": "含敏感词",
    # files
    "attachment.missing": "附件不存在", "attachment.name": "附件名不规范", "attachment.outside": "附件在目录之外",
    "attachment.too-large": "附件过大", "attachment.type": "附件类型不允许",
    "image.alt": "图片缺少有意义的替代文字", "image.missing": "图片不存在", "image.name": "图片文件名不规范或重名",
    "image.outside": "图片在目录之外", "image.too-large": "图片过大", "image.type": "图片类型不允许",
    "image.invalid": "图片无法识别或过大",
    # deadlines
    "disclosure.late": "逾期公开", "disclosure.formed-after-date": "形成日期晚于发布时间",
    "letter.overdue": "信件超期未答复", "letter.extension-unapproved": "延期未经批准",
    "letter.extension-too-long": "延期过长", "letter.reply-before-received": "答复早于来信",
    # the site group
    "syndicate.unknown-site": "报送目标不存在", "syndicate.self": "报送给本网站", "syndicate.not-receiving": "目标不接收报送",
    "topic.unknown": "专题不存在", "interpretation.target-missing": "解读的文件不存在",
    "interpretation.not-policy": "解读的不是政策文件", "interpretation.invalid": "解读的文件写法错误",
    "validity.invalid": "替代文件写法错误", "validity.target-missing": "替代文件不存在",
    "validity.superseded-but-valid": "已被替代的文件仍标为有效",
}


def name(rule: str) -> str:
    """The rule's Chinese name, or its id when it has none (a configuration finding)."""
    return NAMES.get(rule, rule)
