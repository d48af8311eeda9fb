"""The allowlist decides every spelling of a URL as a browser would read it."""
import pytest

from workflow.model import html as tags
from workflow.model.findings import ConfigError
from workflow.policy import allowlist

ALLOWED = [
    "https://www.gov.cn/",
    "http://www.gov.cn/zhengce/",
    "https://www.nanning.gov.cn/xxgk/index.html?a=1#top",
    "HTTPS://WWW.GOV.CN/",                                  # scheme and host case
    "hTtP://Www.Gov.Cn",
    "https://www.gov.cn./",                                 # trailing dot
    "https://www.gov.cn:443/",                              # port
    "https://www.gov.cn:8443/x",
    "  https://www.gov.cn/  ",                              # surrounding spaces
    "\x00\x1f https://www.gov.cn/\x7f ".replace("\x7f", ""),  # surrounding control characters
    "https://%77%77%77.gov.cn/",                            # percent-encoded host
    "https://ｗｗｗ．ｇｏｖ．ｃｎ/",                                # full-width host (IDNA mapping)
    "https://南宁.gov.cn/",                                  # IDN host under *.gov.cn
    "https://xn--1lq90i.gov.cn/",                           # the same host in punycode
    "//www.gov.cn/logo.png",                                # protocol-relative
    "https://zfwzzc.www.gov.cn/check_web/errorInfo_querySiteCodeByUrl.action?siteCode=1",  # theme footer
    "https://beian.miit.gov.cn/",
    "https://bszs.conac.cn/sitename?method=show&id=1",
    "https://www.beian.gov.cn/portal/registerSystemInfo",
    "https://www.gov.cn\\@evil.example/",                   # backslash ends the host: path is /@evil…
    "https://www.gov.cn#@evil.example",                     # @ only in the fragment
    "mailto:web@nn-demo.gov.cn",
    "tel:0771-5550100",
    "yaowen/ceshi.html",                                    # relative: internal
    "../tzgg/",
    "#fujian",
    "?page=2",
]

REFUSED = [
    ("https://evil.example/", "不在外链白名单"),
    ("https://www.gov.cn@evil.example/", "用户信息"),          # userinfo
    ("https://user:pass@www.gov.cn/", "用户信息"),
    ("https://www.gov.cn.evil.example/", "不在外链白名单"),     # allowlisted name as a prefix
    ("https://evilgov.cn/", "不在外链白名单"),                  # suffix without the dot
    ("https://gov.cn.evil.example/", "不在外链白名单"),
    ("https://www.gov.cn%2eevil.example/", "不在外链白名单"),   # percent-encoded dot
    ("https:\\\\evil.example\\", "不在外链白名单"),              # backslashes
    ("https:/\\evil.example/", "不在外链白名单"),
    ("/\\evil.example/", "不在外链白名单"),                      # browsers read /\ as //
    ("\\\\evil.example", "不在外链白名单"),
    ("//evil.example/x.js", "不在外链白名单"),                  # protocol-relative
    ("https:evil.example", "不在外链白名单"),                   # no slashes
    ("https:////evil.example", "不在外链白名单"),               # many slashes
    ("https://EVIL.example.:8080/", "不在外链白名单"),          # case, trailing dot, port
    ("https://www.gоv.cn/", "不在外链白名单"),                  # Cyrillic о: punycode xn--gv-…
    ("https://127.0.0.1/", "IP 地址"),
    ("https://0x7f.1/", "IP 地址"),
    ("https://2130706433/", "IP 地址"),
    ("https://[::1]/", "IP 地址"),
    ("javascript:alert(1)", "javascript"),
    ("JaVaScRiPt:alert(1)", "javascript"),                    # scheme case
    ("  javascript:alert(1)", "javascript"),                  # leading spaces
    ("\x01javascript:alert(1)", "javascript"),                # leading control character
    ("java\tscript:alert(1)", "javascript"),                  # tab inside the scheme
    ("java\nscript:alert(1)", "javascript"),                  # newline inside the scheme
    ("vbscript:msgbox(1)", "vbscript"),
    ("data:text/html;base64,PHNjcmlwdD4=", "data:"),
    ("data:image/png;base64,iVBORw0KGgo=", "data:"),
    ("file:///etc/passwd", "file:"),
    ("ftp://www.gov.cn/", "不允许的协议"),
    ("ws://www.gov.cn/", "不允许的协议"),
    ("https://www.gov.cn:99999/", "端口"),
    ("https://www.gov.cn:80a/", "端口"),
    ("https://www.gov.cn/\x01x", "控制字符"),
    ("https://xn--zz.gov.cn/", "IDNA"),                       # invalid punycode
    ("https://a\u200db.gov.cn/", "IDNA"),                     # joiner not allowed in a label
    ("https://" + "a" * 64 + ".gov.cn/", "IDNA"),             # label too long
    ("https://www.gov.cn..evil/", "IDNA"),                    # empty label
    ("https://%ff.gov.cn/", "百分号编码"),
    ("http://[bad/", "无法解析"),
    ("https:///", "缺少主机名"),
    ("https://" + "a" * 100_000 + ".gov.cn/", "过长"),         # a 100 KB URL
    ("https://www.gov.cn%40evil.example/", "IDNA"),           # percent-encoded @
    ("https://evil.example?.gov.cn", "不在外链白名单"),         # the allowlisted name in the query
    ("https://evil.example#.gov.cn", "不在外链白名单"),         # …or in the fragment
    ("https://evil.example\\.gov.cn", "不在外链白名单"),       # a backslash ends the host
]


@pytest.fixture(scope="module")
def allow():
    return allowlist.load_allowlist()


@pytest.mark.parametrize("url", ALLOWED)
def test_allowed_urls_pass_the_allowlist(allow, url):
    assert allow.refusal(url) is None


@pytest.mark.parametrize("url,why", REFUSED, ids=[u[:40] for u, _ in REFUSED])
def test_refused_urls_name_the_reason(allow, url, why):
    reason = allow.refusal(url)
    assert reason is not None and why in reason, reason


def test_the_table_holds_at_least_forty_urls():
    assert len(ALLOWED) + len(REFUSED) >= 40


def test_site_additions_extend_the_city_allowlist_only_for_that_host(allow):
    extended = allow.extended(["www.example.cn", "*.example.org"])
    assert extended.refusal("https://www.example.cn/") is None
    assert extended.refusal("https://a.b.example.org/") is None
    assert extended.refusal("https://example.org/") is not None      # *.x: subdomains only
    assert allow.refusal("https://www.example.cn/") is not None       # the city's list is unchanged


def test_srcset_is_split_into_its_urls():
    assert tags.srcset_urls("a.png 1x, https://evil.example/b,c.png 2x,d.png") == [
        "a.png", "https://evil.example/b,c.png", "d.png"]


def test_a_refused_scheme_in_the_allowlist_file_is_a_config_error(tmp_path):
    """The repository's policy/allowlist.yaml replaces the shipped one, and is checked like it."""
    (tmp_path / "policy").mkdir()
    path = tmp_path / "policy" / "allowlist.yaml"
    path.write_text("schemes: [https, javascript]\nhosts: ['*.gov.cn', 'http://x.cn/']\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        allowlist.load_allowlist(tmp_path)
    messages = " ".join(f.message for f in exc.value.findings)
    assert "javascript" in messages and "http://x.cn/" in messages
    assert all(f.path == "policy/allowlist.yaml" for f in exc.value.findings)
