"""The allowlist of external link hosts (第三十一条): the city's list
(workflow/data/allowlist.yaml), the group's own domains, and each site's
`links.allow` in site.yaml."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import idna

from workflow.model.findings import ERROR, ConfigError, Finding
from workflow.model.schema import Field
from workflow.policy import data
from workflow.policy.urls import REFUSED_SCHEMES, ascii_host, parse


@dataclass(frozen=True)
class Allowlist:
    schemes: frozenset
    hosts: frozenset          # exact hosts
    suffixes: tuple           # ".gov.cn" for `*.gov.cn`
    seen: dict = field(default_factory=dict, compare=False, repr=False)   # url -> refusal, for this list

    def allows_host(self, host: str) -> bool:
        return host in self.hosts or any(host.endswith(s) for s in self.suffixes)

    def extended(self, patterns) -> Allowlist:
        hosts, suffixes = _patterns(patterns)
        return Allowlist(self.schemes, self.hosts | hosts, tuple(dict.fromkeys(self.suffixes + suffixes)))

    def refusal(self, url: str) -> str | None:
        """Why `url` may not be linked (Chinese), or None when it may."""
        if url not in self.seen:
            self.seen[url] = self._refusal(url)
        return self.seen[url]

    def _refusal(self, url: str) -> str | None:
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


SCHEMA = {
    "schemes": Field("允许的协议", kind="list", required=True, item=Field("协议"), example="[https, http, mailto, tel]"),
    "hosts": Field("允许链接的主机名", kind="list", required=True, item=Field("主机名或 *.后缀"),
                   example="['*.gov.cn', www.12345.gov.cn]"),
}


def load_allowlist(root: Path | None = None) -> Allowlist:
    """The city's list: workflow/data/allowlist.yaml, or the repository's policy/allowlist.yaml."""
    found, src = data.load(root, "allowlist.yaml", SCHEMA, "config.allowlist")
    findings = []
    for p in found["hosts"]:
        if (why := _bad_pattern(p)):
            findings.append(Finding("config.allowlist", ERROR, src.shown, None, f"白名单条目“{p}”{why}", "hosts",
                                    "例如 www.gov.cn 或 *.gov.cn"))
    for s in found["schemes"]:
        if str(s).lower() in REFUSED_SCHEMES:
            findings.append(Finding("config.allowlist", ERROR, src.shown, None, f"协议“{s}”不得加入白名单", "schemes",
                                    "删除该协议"))
    if findings:
        raise ConfigError(findings)
    return Allowlist(frozenset(str(x).lower() for x in found["schemes"]), *_patterns(found["hosts"]))


def allowlist_for(group, site=None, base: Allowlist | None = None) -> Allowlist:
    """The city's list (`base`, read now unless given) + the group's own domains + the
    site's `links.allow` in site.yaml."""
    base = base or load_allowlist(group.root)
    own = [s.domain for s in group.sites.values() if s.domain]
    extra: list[str] = []
    for s in ([site] if site else group.sites.values()):
        extra += ((s.data.get("links") or {}).get("allow") or [])
    bad = [(p, why) for p in extra if (why := _bad_pattern(p))]
    if bad:
        raise ConfigError([Finding("site.links", ERROR, (site.path if site else "site.yaml"), None,
                                   f"links.allow 的条目“{p}”{why}", "links.allow", "例如 www.example.cn 或 *.example.cn")
                           for p, why in bad])
    return base.extended(own + extra)


def entry_problems(group, base: Allowlist | None = None) -> list[Finding]:
    """The platforms each site's pages lead to (site.yaml `services`, `hotline`, `interaction`:
    workflow/model/sites.py entry_urls) pass the allowlist like any link (第三十一条), and are
    full web addresses."""
    from workflow.model.sites import entry_urls

    wanted = {site.id: entry_urls(site) for site in group.sites.values()}
    if not any(wanted.values()):
        return []
    base = base or load_allowlist(group.root)
    findings = []
    for site in group.sites.values():
        if not wanted[site.id]:
            continue
        allow = allowlist_for(group, site, base)
        for name, url in wanted[site.id]:
            why = allow.refusal(url) or (None if parse(url).host else "应为完整网址（https://域名/…），不能是站内相对路径")
            if why:
                findings.append(Finding("link.not-allowed", ERROR, site.path, None, f"{name} 的网址 {url[:120]} 不允许：{why}",
                                        name, "改为白名单内的政务平台网址；确需链接的平台请网站主管部门加入白名单"
                                              "（workflow/data/allowlist.yaml，或本网站 site.yaml 的 links.allow）"))
    return findings


def check_entries(group, base: Allowlist | None = None) -> None:
    """entry_problems, raised: a bad entry point stops the command before anything is written."""
    findings = entry_problems(group, base)
    if findings:
        raise ConfigError(findings)
