"""Site search: the pagefind index of one built site, written to <site>/pagefind/.

Only pagefind's extended binary segments Chinese words, so we run exactly that
binary, shipped inside the pagefind[extended] wheel (nothing is downloaded).
Pages opt in with `data-pagefind-body` (the theme puts it on published item
pages only). pagefind indexes *every* page when no page opts in, so a site
without any item page gets no index at all; the search page then says that
nothing is searchable yet.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

BUNDLE = "pagefind"
MARKER = b"data-pagefind-body"


def executable() -> Path:
    """The extended pagefind binary of the installed pagefind_bin_extended package."""
    from pagefind_bin_extended import get_executable

    exe = Path(get_executable())
    if exe.name != "pagefind_extended":
        raise FileNotFoundError(f"{exe} is not pagefind's extended binary")
    return exe


def has_searchable_pages(site_dir: Path) -> bool:
    return any(MARKER in p.read_bytes() for p in site_dir.rglob("*.html"))


def index_site(site_dir: Path) -> None:
    """Build the search index of one built site, in place."""
    finish_index(start_index(site_dir))


def start_index(site_dir: Path) -> tuple[Path, subprocess.Popen] | None:
    """Start pagefind on a built site; the caller may work on while it runs."""
    from workflow.build.pipeline import BuildError  # build imports this module

    site_dir = Path(site_dir)
    shutil.rmtree(site_dir / BUNDLE, ignore_errors=True)
    if not has_searchable_pages(site_dir):
        return None
    try:
        exe = executable()
    except (ImportError, FileNotFoundError) as exc:
        raise BuildError(f"找不到 pagefind 扩展版（中文分词）：{exc}；请安装 pagefind[extended]") from exc
    # All our sites are Chinese: one zh index, segmented by the extended binary.
    proc = subprocess.Popen([str(exe), "--site", str(site_dir), "--output-subdir", BUNDLE,
                             "--force-language", "zh", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return site_dir, proc


def finish_index(started) -> None:
    from workflow.build.pipeline import BuildError

    if started is None:
        return
    site_dir, proc = started
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise BuildError(f"网站 {site_dir.name} 的搜索索引生成失败：{(err or out).strip()[-500:]}")
