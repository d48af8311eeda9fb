"""`govsite nginx-config`: server blocks that a real nginx accepts and serves by Host header."""
from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.group_setup import published, receiving_portal
from tests.repo import free_port, wait_listening
from workflow import nginx

PORTAL = "www.test-city.gov.cn"
DISTRICT = "district.test-city.gov.cn"


def nginx_conf(prefix: Path, sites_conf: Path) -> Path:
    temps = "\n".join(f"  {name}_temp_path {prefix}/{name}_temp;"
                      for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = prefix / "nginx.conf"
    conf.write_text(f"""worker_processes 1;
pid {prefix}/nginx.pid;
events {{ worker_connections 64; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log {prefix}/access.log;
{temps}
  include {sites_conf};
}}
""")
    return conf


def nginx_cmd(prefix: Path, conf: Path, *extra) -> list[str]:
    return ["nginx", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log"), *extra]


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


def test_real_nginx_answers_410_for_gone_items_with_the_security_headers(running):
    status, headers, body = get(running, DISTRICT, "/yaowen/yi-shanchu.html")
    assert status == 410
    assert "抱歉，您访问的信息已删除" in body and "测试市某某区人民政府" in body
    for name, value in nginx.HEADERS.items():
        assert headers[name.lower()] == value
    status, headers, body = get(running, DISTRICT, "/yaowen/yi-shanchu/fujian.pdf")
    assert status == 410
    status, headers, body = get(running, PORTAL, "/")
    assert "max-age=31536000" in headers["strict-transport-security"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    status, headers, body = get(running, PORTAL, "/.staging/")
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
    from workflow.sites import load_group

    group = load_group(demo_root)
    text = nginx.config(group, [])
    for site in group.sites.values():
        assert f"server_name {site.domain};" in text
        assert f'root "/srv/govsite/current/{site.id}";' in text
    assert text.count("error_page 404 /404.html;") == len(group.sites)


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
