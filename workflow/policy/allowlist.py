"""The allowlist of external link hosts (第三十一条): the city's list
(workflow/data/allowlist.yaml), the group's own domains, and each site's
`links.allow` in site.yaml."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import idna
import yaml

from workflow import DATA
from workflow.model.findings import ERROR, ConfigError, Finding
from workflow.policy.urls import REFUSED_SCHEMES, ascii_host, parse

ALLOWLIST_FILE = DATA / "allowlist.yaml"


@dataclass(frozen=True)
class Allowlist:
    schemes: frozenset
    hosts: frozenset          # exact hosts
    suffixes: tuple           # ".gov.cn" for `*.gov.cn`

    def allows_host(self, host: str) -> bool:
        return host in self.hosts or any(host.endswith(s) for s in self.suffixes)

    def extended(self, patterns) -> "Allowlist":
        hosts, suffixes = _patterns(patterns)
        return Allowlist(self.schemes, self.hosts | hosts, tuple(dict.fromkeys(self.suffixes + suffixes)))

    def refusal(self, url: str) -> str | None:
        """Why `url` may not be linked (Chinese), or None when it may."""
        u = parse(url)
        if u.problem:
            return u.problem
        if u.scheme is None:
            return None
        if u.scheme not in self.schemes:
            return f"不允许的协议“{u.scheme}:”（允许：{'、'.join(sorted(self.schemes))}）"
        if u.host is not None and not self.allows_host(u.host):
            return f"外部网站“{u.host}”不在外链白名单中"
        return None


def _patterns(patterns) -> tuple[frozenset, tuple]:
    hosts, suffixes = set(), []
    for p in patterns:
        if p.startswith("*."):
            suffixes.append("." + ascii_host(p[2:]))
        else:
            hosts.add(ascii_host(p))
    return frozenset(hosts), tuple(suffixes)


def _bad_pattern(p) -> str | None:
    if not isinstance(p, str) or not p.strip():
        return "应为主机名或 *.后缀"
    try:
        ascii_host(p[2:] if p.startswith("*.") else p)
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        return f"不是合法的主机名（{exc}）"
    if "/" in p or ":" in p or "*" in p.lstrip("*.") or (p.startswith("*") and not p.startswith("*.")):
        return "只写主机名或 *.后缀，不带协议、端口、路径"
    return None


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> Allowlist:
    rel = Path(path).name
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError([Finding("config.allowlist", ERROR, rel, None, f"外链白名单无法读取：{exc}",
                                   None, "修正 allowlist.yaml 的格式")]) from exc
    data = data if isinstance(data, dict) else {}
    schemes, hosts = data.get("schemes"), data.get("hosts")
    findings = [Finding("config.allowlist", ERROR, rel, None, f"{key} 应为列表", key,
                        "参照 workflow/data/allowlist.yaml 书写")
                for key, v in (("schemes", schemes), ("hosts", hosts)) if not isinstance(v, list)]
    for p in hosts if isinstance(hosts, list) else []:
        if (why := _bad_pattern(p)):
            findings.append(Finding("config.allowlist", ERROR, rel, None, f"白名单条目“{p}”{why}", "hosts",
                                    "例如 www.gov.cn 或 *.gov.cn"))
    for s in schemes if isinstance(schemes, list) else []:
        if str(s).lower() in REFUSED_SCHEMES:
            findings.append(Finding("config.allowlist", ERROR, rel, None, f"协议“{s}”不得加入白名单", "schemes",
                                    "删除该协议"))
    if findings:
        raise ConfigError(findings)
    return Allowlist(frozenset(str(s).lower() for s in schemes), *_patterns(hosts))


def load_allowlist(path: Path = ALLOWLIST_FILE) -> Allowlist:
    return _load(str(path), Path(path).stat().st_mtime if Path(path).exists() else 0.0)


def allowlist_for(group, site=None) -> Allowlist:
    """The city's list + the group's own domains + the site's `links.allow` in site.yaml."""
    base = load_allowlist()
    own = [s.domain for s in group.sites.values() if s.domain]
    extra = []
    for s in ([site] if site else group.sites.values()):
        extra += ((s.data.get("links") or {}).get("allow") or [])
    bad = [(p, why) for p in extra if (why := _bad_pattern(p))]
    if bad:
        raise ConfigError([Finding("site.links", ERROR, (site.path if site else "site.yaml"), None,
                                   f"links.allow 的条目“{p}”{why}", "links.allow", "例如 www.example.cn 或 *.example.cn")
                           for p, why in bad])
    return base.extended(own + extra)
