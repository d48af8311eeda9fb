"""`govsite rollback`: back to the release that was live before, by the deploy log's
history (not by name order), on one or several targets.

A release is restored only if it passes the anti-tamper check and would not
bring back an item the live release withdrew (复查撤除); `force` overrides
both, and the refusal names what it found.
"""
from __future__ import annotations

from workflow.model import dates
from workflow.publish import tamper
from workflow.publish.deploy import (
    DeployError,
    SwitchedError,
    Target,
    actor,
    carry_assets,
    check_tools,
    history,
    holding,
    switch_all,
)


def choose(target: Target, state, release: str | None) -> str:
    """The release to restore on `target`: the named one, or the one live before `current`."""
    if not state.releases:
        raise DeployError(f"{target.spec} 上还没有任何版本，无法回滚")
    if release is not None:
        if release not in state.releases:
            raise DeployError(f"{target.spec} 上没有版本“{release}”。现有版本：" + "、".join(state.releases))
        return release
    stack = history(target.read_log())
    if not stack or stack[-1] != state.current:
        raise DeployError(f"{target.spec} 的部署记录与 current（{state.current or '无'}）不一致，无法确定上一个版本："
                          "请指定要回滚到的版本：" + "、".join(state.releases))
    for name in reversed(stack[:-1]):
        if name != state.current and name in state.releases:
            return name
    raise DeployError(f"按部署记录，当前版本 {state.current} 之前没有仍保留的版本，没有可回滚的上一版本")


def objections(target: Target, state, release: str, allowed) -> list[str]:
    """Why restoring `release` would be wrong; empty if it is fine."""
    wanted = tamper.check_release(target, release, allowed, others=state.releases)
    said = []
    if not wanted.ok:
        said.append(f"版本 {release} 未通过防篡改校验：" + "；".join(wanted.failures()[:10]))
    if state.current:
        current = tamper.check_release(target, state.current, allowed, others=state.releases)
        missing = [sid for sid in (s.site for s in current.sites) if sid not in current.signed]
        if missing:
            said.append(f"当前版本 {state.current} 的签名清单无法验证（{'、'.join(missing)}），"
                        "无法确认回滚不会恢复已撤除的信息")
        back = tamper.revived(current.signed, wanted.signed)
        if back:
            said.append(f"回滚到 {release} 会重新发布当前版本已撤除的信息：" + "、".join(back[:10]))
    return said


def rollback(targets: list[Target], allowed, release: str | None = None, force: bool = False,
             reload: str | None = None, echo=print) -> dict[str, str]:
    check_tools(targets)
    with holding(targets, echo) as states:
        chosen = [choose(t, s, release) for t, s in zip(targets, states)]
        refusals = []
        for t, s, name in zip(targets, states, chosen):
            if name != s.current:
                refusals += [f"{t.spec}：{o}" for o in objections(t, s, name, allowed)]
        if refusals and not force:
            raise DeployError("不予回滚：" + "；".join(refusals) + "。确需回滚时加 --force")
        for said in refusals:
            echo(f"注意（--force）：{said}")
        moves = []
        for t, s, name in zip(targets, states, chosen):
            if name == s.current:
                echo(f"{t.spec}：{name} 已是当前版本，未作改动")
                continue
            carry_assets(t, s.current, f"releases/{name}")
            moves.append((t, s, name, {"action": "rollback", "release": name, "previous": s.current,
                                       "to": "named" if release else "previous",
                                       "at": dates.now().isoformat(timespec="seconds"), "by": actor(),
                                       "forced": bool(refusals)}))
        problems = switch_all(moves)
        result = {t.spec: name for t, name in zip(targets, chosen)}
        for t, s, name, _ in moves:
            echo(f"已回滚：{t.spec}/current -> releases/{name}（原为 {s.current}）")
            if reload:
                try:
                    t.sh(reload)
                except DeployError as exc:
                    problems.append(f"{t.spec} 上重新加载失败（{exc}），请手工运行：{reload}")
        if problems:
            raise SwitchedError("已回滚，但：" + "；".join(problems))
        return result
