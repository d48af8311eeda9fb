"""LinkChecker over the built group, served on 127.0.0.1 by our preview server.

Run as root, LinkChecker drops privileges to `nobody` and can then not write
its own output files, yet still exits 1 on a broken link: so its CSV is read
from stdout, and an exit code is trusted only together with that CSV (an exit
1 without any broken row is LinkChecker failing, never "broken links").
"""
from __future__ import annotations

import csv
import functools
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from workflow.errors import LinkCheckerFailed
from workflow.model import dates
from workflow.publish.serve import make_server

FIELDS = ["urlname", "parentname", "base", "result", "warningstring", "infostring", "valid", "url",
          "line", "column", "name", "dltime", "size", "checktime", "cached", "level", "modified"]

# Our server says who it is, so LinkChecker may go faster than its default 10
# requests per second to one host (see maxrequestspersecond in its manual).
# Every site of the group is internal (by default only the start URL's folder
# is, and links between sites would be syntax-checked only); sites not asked
# for are checked but not crawled.
CONFIG = """[checking]
maxrequestspersecond=100
[filtering]
internlinks=^{host}/
nofollow=^{host}/(?!{sites})[^/]+/
"""


@dataclass
class Result:
    start_urls: list[str]
    extern: bool
    rows: list[dict] = field(default_factory=list)     # every URL LinkChecker reported
    csv_text: str = ""

    @property
    def broken(self) -> list[dict]:
        return [r for r in self.rows if r.get("valid") is False]


def linkchecker_command() -> str:
    local = Path(sys.executable).parent / "linkchecker"
    found = str(local) if local.exists() else shutil.which("linkchecker")
    if not found:
        raise LinkCheckerFailed("找不到 linkchecker 命令（pip install linkchecker==10.6.0）")
    return found


def _serve(output: Path, portal: str):
    server = make_server(output, 0, portal)
    base = cast("functools.partial[Any]", server.RequestHandlerClass)   # functools.partial(Handler, directory=…)
    served: Any = base.func

    class Handler(served):
        def end_headers(self):
            self.send_header("LinkChecker", "govsite")
            super().end_headers()

    server.RequestHandlerClass = functools.partial(Handler, *base.args, **base.keywords)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run(output: Path, site_ids: list[str], portal: str, extern: bool = False, timeout: int = 20) -> Result:
    server = _serve(output, portal)
    host = f"http://127.0.0.1:{server.server_address[1]}"
    result = Result([f"{host}/{sid}/" for sid in site_ids], extern)
    follow = "|".join(re.escape(sid) + "/" for sid in site_ids)
    try:
        with tempfile.TemporaryDirectory(prefix="govsite-linkcheck-") as tmp:
            Path(tmp).chmod(0o755)               # readable after LinkChecker drops to nobody
            config = Path(tmp) / "linkcheckerrc"
            config.write_text(CONFIG.format(host=re.escape(host), sites=follow), encoding="utf-8")
            config.chmod(0o644)
            cmd = [linkchecker_command(), "-f", str(config), "--no-status", "-v", "-o", "csv/utf-8",
                   "--timeout", str(timeout), *(["--check-extern"] if extern else []), *result.start_urls]
            proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="replace",
                                  cwd=tmp)
    finally:
        server.shutdown()
        server.server_close()
    result.csv_text, result.rows = interpret(proc, host)
    return result


def interpret(proc: subprocess.CompletedProcess, host: str = "") -> tuple[str, list[dict]]:
    """(CSV text, rows) of a LinkChecker run; LinkCheckerFailed when it is no result.

    Exit 1 means "broken links" only if the CSV on stdout lists one: the same
    exit 1 also comes from LinkChecker failing (e.g. unable to write a file).
    """
    stdout = proc.stdout or ""
    if "urlname;" not in stdout:
        raise LinkCheckerFailed(f"LinkChecker 未输出检查结果（退出码 {proc.returncode}）：{(proc.stderr or '').strip()[-500:]}")
    text = "\n".join(line for line in stdout.splitlines() if not line.startswith("#")) + "\n"
    rows = [_local(r, host) for r in csv.DictReader(io.StringIO(text), delimiter=";")]
    broken = [r for r in rows if r.get("valid") is False]
    if proc.returncode not in (0, 1) or (proc.returncode == 1) != bool(broken):
        raise LinkCheckerFailed(f"LinkChecker 退出码 {proc.returncode} 与其结果不符"
                                f"（失效链接 {len(broken)} 个）：{(proc.stderr or '').strip()[-500:]}")
    return text, rows


INTS = ("line", "column", "size", "cached", "level")
FLOATS = ("dltime", "checktime")
TIMING = ["column", "name", "dltime", "size", "checktime", "cached", "level", "modified"]


def _local(row: dict, host: str) -> dict:
    """A row with typed values (True/False, numbers, None for empty), URLs of our loopback
    server made paths (/portal/…), stable between runs."""
    out: dict[str, Any] = {k: row.get(k) for k in FIELDS}
    if not out.get("parentname") and not _is_int(out.get("column")):
        # A start URL: LinkChecker leaves out its column and name, so the rest of the
        # row sits two places to the left.
        values = [out.get(k) for k in TIMING]
        out.update(zip(TIMING, [None, None, *values[:-2]]))
    for key in ("urlname", "url", "parentname"):
        value = out.get(key) or ""
        if host and value.startswith(host):
            out[key] = value[len(host):] or "/"
    for key in FIELDS:
        if out.get(key) == "":
            out[key] = None
    valid = out.get("valid")
    out["valid"] = True if valid == "True" else False if valid == "False" else valid
    for key in INTS:
        out[key] = int(out[key]) if _is_int(out.get(key)) else None
    for key in FLOATS:
        try:
            out[key] = float(out[key]) if out.get(key) is not None else None
        except ValueError:
            out[key] = None
    return out


def _is_int(value) -> bool:
    return isinstance(value, str) and value.lstrip("-").isdigit()


def write(result: Result, output: Path, every: bool = False) -> tuple[Path, Path]:
    """output/linkcheck.json (the failures and a summary; every URL with `every`) and
    output/linkcheck.csv (every URL)."""
    data = {
        "generated": dates.now().isoformat(timespec="seconds"),
        "sites": [urllib.parse.urlsplit(u).path.strip("/") for u in result.start_urls],
        "extern": result.extern,
        "checked": len(result.rows),
        "summary": {"checked": len(result.rows), "broken": len(result.broken),
                    "warnings": sum(1 for r in result.rows if r.get("warningstring")),
                    "external_syntax_only": sum(1 for r in result.rows if r.get("result") == "filtered")},
        "broken": result.broken,
        **({"urls": result.rows} if every else {}),
    }
    json_path, csv_path = output / "linkcheck.json", output / "linkcheck.csv"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, FIELDS, delimiter=";", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(result.rows)
    csv_path.write_text(buf.getvalue(), encoding="utf-8")
    return json_path, csv_path
