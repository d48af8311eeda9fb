"""Small helpers shared by the site-group tests (issue 6)."""
from __future__ import annotations

from pathlib import Path

PORTAL_COLUMNS = {
    "yaowen": {"name": "政务要闻", "type": "要闻"},
    "xqbm": {"name": "县区部门动态", "type": "动态"},
    "tzgg": {"name": "通知公告", "type": "通知公告"},
    "zcwj": {"name": "政策文件", "type": "政策文件"},
    "zhuanti": {"name": "专题专栏", "type": "专题"},
}
PORTAL_REVIEWERS = {"chu.shen": {"name": "初审人", "levels": ["初审"]},
                    "zhong.shen": {"name": "终审人", "levels": ["终审"]}}


def receiving_portal(repo, **extra) -> Path:
    """Rewrite the `group` fixture's portal so it receives syndication and declares topics."""
    extra.setdefault("syndication", {"column": "xqbm"})
    extra.setdefault("topics", {"yingshang-huanjing": {"name": "优化营商环境"}})
    return repo.site("portal", columns=PORTAL_COLUMNS, reviewers=PORTAL_REVIEWERS, **extra)


def published(repo, path: Path) -> Path:
    """Sign every level the item needs, with the fixture's reviewers."""
    site = path.relative_to(repo.root / "content").parts[0]
    column = path.parent.name
    if site == "portal":
        if column == "zcwj":
            assert repo.approve(path, "chu.shen", "初审")[0] == 0
        code, out, err = repo.approve(path, "zhong.shen", "终审")
    else:
        code, out, err = repo.approve(path, "qu.shen")
    assert code == 0, out + err
    return path


def page(repo, rel: str) -> str:
    return (repo.output / rel).read_text(encoding="utf-8")


def main_of(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]
