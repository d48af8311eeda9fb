"""`govsite nginx-config`: server blocks that a real nginx accepts and serves by Host header."""
from __future__ import annotations

import http.client
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.group_setup import published, receiving_portal
from tests.nginx_server import command, main_conf
from tests.repo import free_port, wait_listening
from tests.test_deploy import target  # noqa: F401 - fixture
from workflow.publish import nginx

PORTAL = "www.test-city.gov.cn"
DISTRICT = "district.test-city.gov.cn"


nginx_conf = main_conf
nginx_cmd = command


@pytest.fixture
def served(group, tmp_path):
    """The group built, copied to a world-readable folder (nginx workers run as nobody)."""
    receiving_portal(group)
    published(group, group.item("portal", "yaowen", "shouye-xinxi", title="门户的信息"))
    published(group, group.item("district", "yaowen", "qu-xinxi", title="区里的信息"))
    gone = published(group, group.item("district", "yaowen", "yi-shanchu", title="已删除的信息"))
    code, out, err = group.govsite("withdraw", gone, "--reason", "重复发布", "--as", "qu.shen",
                                   "--key", group.keys["qu.shen"], "--mode", "gone")
    assert code == 0, out + err
    code, out, err = group.build()
    assert code == 0, out + err
    public = Path(tempfile.mkdtemp(prefix="govsite-nginx-", dir="/tmp"))
    try:
        public.chmod(0o755)
        shutil.copytree(group.output, public / "current", dirs_exist_ok=True)
        subprocess.run(["chmod", "-R", "a+rX", str(public)], check=True)
        yield public / "current"
    finally:
        shutil.rmtree(public, ignore_errors=True)


def generate(group, deploy_root: Path, port: int, tmp_path: Path) -> Path:
    sites_conf = tmp_path / "sites.conf"
    code, out, err = group.govsite("nginx-config", "--deploy-root", deploy_root, "--listen",
                                   f"127.0.0.1:{port}", "--output", sites_conf)
    assert code == 0, err
    return sites_conf


def test_generated_config_passes_nginx_t(group, served, tmp_path):
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    conf = nginx_conf(prefix, generate(group, served, free_port(), tmp_path))
    proc = subprocess.run(nginx_cmd(prefix, conf, "-t"), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "test is successful" in proc.stderr


def get(port: int, host: str, path: str) -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


@pytest.fixture
def running(group, served, tmp_path):
    port = free_port()
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    conf = nginx_conf(prefix, generate(group, served, port, tmp_path))
    proc = subprocess.Popen(nginx_cmd(prefix, conf, "-g", "daemon off;"), stderr=subprocess.PIPE)
    try:
        wait_listening(port, proc, "nginx")
        yield port
    finally:
        proc.send_signal(3)   # QUIT: graceful stop
        proc.wait(timeout=15)


def test_real_nginx_serves_two_sites_by_host_header(running):
    status, headers, body = get(running, PORTAL, "/")
    assert status == 200 and "<title>测试市人民政府门户网站</title>" in body
    assert headers["content-type"] == "text/html; charset=utf-8"
    status, headers, body = get(running, DISTRICT, "/yaowen/qu-xinxi.html")
    assert status == 200 and "区里的信息" in body
    status, headers, body = get(running, PORTAL, "/yaowen/qu-xinxi.html")
    assert status == 404 and "抱歉，您访问的页面不存在" in body and "测试市人民政府门户网站" in body
    status, headers, body = get(running, DISTRICT, "/meiyou.html")
    assert status == 404 and "测试市某某区人民政府" in body


def served_headers(group) -> dict[str, str]:
    """The security headers every answer carries; the CSP names the group's domains (connect-src)."""
    from workflow.model.sites import load_group

    return {**nginx.HEADERS, "Content-Security-Policy": nginx.csp(load_group(group.root))}


def test_real_nginx_answers_410_for_gone_items_with_the_security_headers(running, group):
    status, headers, body = get(running, DISTRICT, "/yaowen/yi-shanchu.html")
    assert status == 410
    assert "抱歉，您访问的信息已删除" in body and "测试市某某区人民政府" in body
    for name, value in served_headers(group).items():
        assert headers[name.lower()] == value
    status, headers, body = get(running, DISTRICT, "/yaowen/yi-shanchu/fujian.pdf")
    assert status == 410
    status, headers, body = get(running, PORTAL, "/")
    assert "strict-transport-security" not in headers        # plain HTTP: HSTS only over HTTPS
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    status, headers, body = get(running, PORTAL, "/.staging/")
    assert status == 404


def test_search_indexes_answer_other_domains_and_keep_the_security_headers(running, group):
    """The portal's group search (www…) reads the district's index (district…) across domains:
    /pagefind/ answers with CORS; the location still sends every security header."""
    status, headers, body = get(running, DISTRICT, "/pagefind/pagefind-entry.json")
    assert status == 200 and headers["access-control-allow-origin"] == "*"
    for name, value in served_headers(group).items():
        assert headers[name.lower()] == value, name
    assert f"https://{DISTRICT}" in headers["content-security-policy"].split("connect-src")[1].split(";")[0]
    status, headers, body = get(running, DISTRICT, "/yaowen/qu-xinxi.html")
    assert status == 200 and "access-control-allow-origin" not in headers      # pages stay same-origin
    status, headers, body = get(running, DISTRICT, "/pagefind/meiyou.json")
    assert status == 404


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style[\s>]", re.I), "<style> element"),
    (re.compile(r"<[^>]+\sstyle=", re.I), "style= attribute"),
    (re.compile(r"<[^>]+\son[a-z]+=", re.I), "on…= event attribute"),
    (re.compile(r"""(href|src)=["']javascript:""", re.I), "javascript: URL"),
]


def test_built_theme_satisfies_the_csp_without_inline_script_or_style(demo_output):
    pages = list(demo_output.rglob("*.html"))
    assert len(pages) > 50
    problems = [f"{p.relative_to(demo_output)}: {what}" for p in pages
                for pattern, what in INLINE if pattern.search(p.read_text(encoding="utf-8"))]
    assert problems == []


def test_nginx_config_covers_every_site_of_the_demo_group(demo_root):
    from workflow.model.sites import load_group

    group = load_group(demo_root)
    text = nginx.config(group, [])
    for site in group.sites.values():
        assert f"server_name {site.domain};" in text
        assert f'root "/srv/govsite/current/{site.id}";' in text
    assert text.count("error_page 404 /404.html;") == len(group.sites)
    assert text.count("error_page 403 /403.html;") == len(group.sites)
    assert text.count("default_server") == 1


def test_nginx_config_with_bad_options_says_what_is_wrong(group):
    code, out, err = group.govsite("nginx-config", "--deploy-root", "srv/relative")
    assert code == 2 and "部署路径" in err and "绝对路径" in err
    code, out, err = group.govsite("nginx-config", "--deploy-root", "/srv/x;evil")
    assert code == 2 and "部署路径" in err
    code, out, err = group.govsite("nginx-config", "--listen", "80; include /etc/passwd")
    assert code == 2 and "监听地址" in err
    code, out, err = group.govsite("nginx-config", "--ssl-certificate", "/etc/ssl/{domain}.pem")
    assert code == 2 and "同时给出" in err


def test_tls_option_listens_on_443_with_a_certificate_per_domain_and_redirects_http(group):
    code, out, err = group.govsite("nginx-config", "--ssl-certificate", "/etc/ssl/{domain}.crt",
                                   "--ssl-certificate-key", "/etc/ssl/private/{domain}.key")
    assert code == 0, err
    assert f"ssl_certificate /etc/ssl/{DISTRICT}.crt;" in out
    assert f"ssl_certificate_key /etc/ssl/private/{PORTAL}.key;" in out
    assert out.count("listen 443 ssl;") == 2 and out.count("return 301 https://$host$request_uri;") == 2
    hsts = 'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;'
    https_blocks = [b for b in out.split("server {") if "listen 443 ssl;" in b]
    assert len(https_blocks) == 2 and all(hsts in b for b in https_blocks)
    assert all("Strict-Transport-Security" not in b for b in out.split("server {") if "return 301" in b)
    assert "preload" not in out
    assert "listen 443 ssl default_server;" in out and "ssl_reject_handshake on;" in out


def test_unknown_host_names_get_no_answer(running):
    with pytest.raises(http.client.RemoteDisconnected):    # 444: nginx closes without a response
        get(running, "evil.example.com", "/")
    with pytest.raises(http.client.RemoteDisconnected):
        get(running, "127.0.0.1", "/")


@pytest.mark.parametrize("name", ["index.html~", "index.html.bak", ".index.html.swp", "index.html.orig",
                                  "yaowen/qu-xinxi.html.bak", "nothing-here.orig"])
def test_backup_and_editor_files_are_denied_with_the_chinese_403_page(group, served, running, name):
    if not name.startswith("nothing"):
        (served / "district" / name).write_text("旧版本的内容", encoding="utf-8")
    status, headers, body = get(running, DISTRICT, "/" + name)
    assert status in (403, 404)
    assert "旧版本的内容" not in body
    if not name.startswith("."):                        # dot files answer 404, like every dot path
        assert status == 403 and "抱歉，您无权访问该页面" in body and "测试市某某区人民政府" in body


def asset_path(body: str, kind: str) -> str:
    return re.search(r'(?:href|src)="(/[^"]*/theme/[^"]+\.%s)"' % kind, body).group(1)


def test_fingerprinted_assets_are_cached_for_a_year_html_is_revalidated_and_text_is_gzipped(running):
    status, headers, body = get(running, PORTAL, "/")
    assert headers["cache-control"] == "no-cache"
    css = asset_path(body, "css").removeprefix("/portal")          # preview build: /<site>/theme/…
    assert re.search(r"/theme/css/site\.[0-9a-f]{10}\.css$", css)
    conn = http.client.HTTPConnection("127.0.0.1", running, timeout=10)
    conn.request("GET", css, headers={"Host": PORTAL, "Accept-Encoding": "gzip"})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    assert resp.status == 200
    assert resp.getheader("Cache-Control") == "public, max-age=31536000, immutable"
    assert resp.getheader("Content-Encoding") == "gzip"
    assert resp.getheader("X-Content-Type-Options") == "nosniff"         # security headers kept
    status, headers, body = get(running, PORTAL, "/theme/css/site.0123456789.css")
    assert status == 404 and "immutable" not in headers.get("cache-control", "")


def test_a_gone_withdrawal_answers_410_after_deploy_with_the_documented_reload_step(group, target):
    from tests.repo import DEPLOY

    item = published(group, group.item("district", "yaowen", "hui-shou", title="将被删除的信息"))
    prefix = Path(tempfile.mkdtemp(prefix="govsite-nginx-"))
    port = free_port()
    conf = main_conf(prefix, target / "nginx" / "govsite.conf")
    reload = shlex.join(command(prefix, conf, "-s", "reload"))

    def build_and_deploy(*extra):
        code, out, err = group.build("--production")
        assert code == 0, out + err
        code, out, err = group.govsite("nginx-config", "--deploy-root", target / "current", "--listen",
                                       f"127.0.0.1:{port}", "--output", group.output / "nginx.conf")
        assert code == 0, err
        code, out, err = group.govsite("deploy", "--to", target, "--sign-key", group.keys[DEPLOY],
                                       "--nginx-conf", group.output / "nginx.conf", *extra)
        assert code == 0, out + err
        return out

    build_and_deploy()
    assert (target / "nginx" / "govsite.conf").is_file()
    proc = subprocess.Popen(command(prefix, conf, "-g", "daemon off;"), stderr=subprocess.PIPE)
    try:
        wait_listening(port, proc, "nginx")
        assert get(port, DISTRICT, "/yaowen/hui-shou.html")[0] == 200
        code, out, err = group.govsite("withdraw", item, "--reason", "重复发布", "--as", "qu.shen",
                                       "--key", group.keys["qu.shen"], "--mode", "gone")
        assert code == 0, err
        out = build_and_deploy("--reload", reload)
        assert "已运行" in out
        statuses = []
        for _ in range(200):                      # the reload's new workers take over (readiness, not timing)
            statuses.append(get(port, DISTRICT, "/yaowen/hui-shou.html")[0])
            if statuses[-1] == 410:
                break
            time.sleep(0.02)
        assert statuses[-1] == 410
        assert set(statuses) <= {404, 410}         # the page itself is gone from the release at once
    finally:
        proc.send_signal(3)
        proc.wait(timeout=15)
        shutil.rmtree(prefix, ignore_errors=True)


def test_a_symlink_planted_in_the_web_root_is_not_followed(served, running):
    (served / "district" / "evil").symlink_to("/etc")
    (served / "district" / "hosts.html").symlink_to("/etc/hosts")
    for path in ("/evil/hostname", "/evil/passwd", "/hosts.html"):
        status, headers, body = get(running, DISTRICT, path)
        assert status in (403, 404), path
        assert "root:" not in body and "localhost" not in body
    assert get(running, DISTRICT, "/yaowen/qu-xinxi.html")[0] == 200      # the real files still are
