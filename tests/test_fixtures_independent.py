"""Tests that survive a city's own content (issue 16, point 6): the suite builds the demo
from tests/fixtures/demo, never from the live content/."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.repo import DEMO, PROJECT, Repo

LIVE = re.compile(r"""PROJECT\s*/\s*["'](?:content|keys|CODEOWNERS|policy)|load_group\(\s*PROJECT|"""
                  r"""build\(\s*PROJECT|root\s*=\s*PROJECT\b|str\(PROJECT\)\s*,\s*["'](?:check|codeowners|build|report)""")


def test_no_test_reads_the_live_content():
    offenders = []
    for path in sorted((PROJECT / "tests").glob("*.py")):
        if path.name == Path(__file__).name:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if LIVE.search(line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []


def test_the_fixture_is_a_complete_signed_group():
    assert (DEMO / "keys" / "allowed_signers").is_file() and (DEMO / "CODEOWNERS").is_file()
    assert len(list((DEMO / "content").glob("*/site.yaml"))) == 4
    assert len(list((DEMO / "content").glob("*/*/*.md"))) >= 50


def test_the_suite_passes_after_the_live_content_is_replaced(tmp_path, keys):
    """A copy of the repository whose content/ and keys/ are a city's own (one site, one
    item): the tests that use the demo still pass."""
    copy = tmp_path / "city"
    shutil.copytree(PROJECT, copy, ignore=shutil.ignore_patterns(
        ".git", ".venv", "output", "test-artifacts", "__pycache__", ".pytest_cache", "*.egg-info"))
    shutil.rmtree(copy / "content")
    shutil.rmtree(copy / "keys")
    city = Repo(tmp_path / "own", keys)
    city.site("portal", name="某某市人民政府门户网站", domain="www.mou-city.gov.cn")
    city.item(slug="own-item")
    shutil.copytree(city.root / "content", copy / "content")
    shutil.copytree(city.root / "keys", copy / "keys")
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
                           "tests/test_site_group.py", "tests/test_render.py", "tests/test_smoke_fixture.py",
                           "tests/test_nginx.py::test_nginx_config_covers_every_site_of_the_demo_group",
                           "tests/test_report_annual.py::test_demo_annual_figures_agree_with_an_independent_count"],
                          cwd=copy, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert re.search(r"\d+ passed", proc.stdout) and "failed" not in proc.stdout
