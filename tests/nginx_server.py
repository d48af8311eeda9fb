"""A real nginx on 127.0.0.1 serving the group's generated configuration (tests only)."""
from __future__ import annotations

import http.client
import signal
import subprocess
from contextlib import contextmanager
from pathlib import Path

from tests.repo import free_port, wait_listening


def main_conf(prefix: Path, sites_conf: Path) -> Path:
    temps = "\n".join(f"  {name}_temp_path {prefix}/{name}_temp;"
                      for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = prefix / "nginx.conf"
    conf.write_text(f"""worker_processes 2;
pid {prefix}/nginx.pid;
events {{ worker_connections 256; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
{temps}
  include {sites_conf};
}}
""")
    return conf


def command(prefix: Path, conf: Path, *extra) -> list[str]:
    return ["nginx", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log"), *extra]


def generate(group, deploy_root: Path, port: int, out: Path) -> Path:
    code, stdout, err = group.govsite("nginx-config", "--deploy-root", deploy_root, "--listen",
                                      f"127.0.0.1:{port}", "--output", out)
    assert code == 0, err
    return out


@contextmanager
def running(group, deploy_root: Path, prefix: Path):
    """nginx with `govsite nginx-config --deploy-root deploy_root`; yields (port, reload)."""
    prefix.mkdir(parents=True, exist_ok=True)
    port = free_port()
    sites = generate(group, deploy_root, port, prefix / "sites.conf")
    conf = main_conf(prefix, sites)
    checked = subprocess.run(command(prefix, conf, "-t"), capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    proc = subprocess.Popen(command(prefix, conf, "-g", "daemon off;"), stderr=subprocess.PIPE)

    def reload():
        generate(group, deploy_root, port, sites)
        subprocess.run(command(prefix, conf, "-s", "reload"), check=True, capture_output=True)

    try:
        wait_listening(port, proc, "nginx")
        yield port, reload
    finally:
        proc.send_signal(signal.SIGQUIT)
        proc.wait(timeout=30)


def get(port: int, host: str, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host, **(headers or {})})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()
