from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# No example database in the working tree (CI runs on a clean clone), no deadline
# (speed is for benchmarks), and the failing example printed in full.
settings.register_profile("govsite", database=None, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile("govsite")

from tests.repo import Repo, copy_demo, make_keys


@pytest.fixture(scope="session")
def keys(tmp_path_factory) -> dict:
    """Reviewer keys generated with ssh-keygen for this test run."""
    return make_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def repo(tmp_path, keys) -> Repo:
    """An empty group repository (theme, plugins, settings, allowed_signers)."""
    return Repo(tmp_path / "repo", keys)


@pytest.fixture
def group(repo) -> Repo:
    """A small group: a portal and a district site, no items yet."""
    repo.site("portal", reviewers={"chu.shen": {"name": "初审人", "levels": ["初审"]},
                                   "zhong.shen": {"name": "终审人", "levels": ["终审"]}})
    repo.site("district", name="测试市某某区人民政府", type_="district", parent="portal",
              domain="district.test-city.gov.cn",
              columns={"yaowen": {"name": "区县要闻", "type": "要闻"}},
              reviewers={"qu.shen": {"name": "区审核人", "levels": ["终审"]}},
              review={"levels": ["终审"], "required": ["终审"]})
    return repo


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory) -> Path:
    """The demo group (tests/fixtures/demo with this repository's code), copied once per
    run: tests read it, never change it (copy it again to change it)."""
    return copy_demo(tmp_path_factory.mktemp("demo-root") / "demo")


@pytest.fixture(scope="session")
def demo_output(tmp_path_factory, demo_root) -> Path:
    """The demo group, built once per test run (preview mode)."""
    from workflow.build.pipeline import build

    out = tmp_path_factory.mktemp("demo") / "output"
    build(demo_root, output=out, echo=lambda *_: None)
    return out
