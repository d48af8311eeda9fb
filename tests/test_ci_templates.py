"""CI templates (issue 7): both files parse, and every `govsite` line in them runs on the demo."""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from tests.repo import PROJECT, copy_demo
from workflow.model.sites import load_group

CI = PROJECT / "workflow" / "ci"
BIN = str(Path(sys.executable).parent)


def github(data) -> dict[str, list[str]]:
    return {name: [line for step in job["steps"] for line in step.get("run", "").splitlines()]
            for name, job in data["jobs"].items()}


def gitlab(data) -> dict[str, list[str]]:
    default = data.get("default", {}).get("before_script", [])
    return {name: [*job.get("before_script", default), *job["script"]]
            for name, job in data.items() if isinstance(job, dict) and "script" in job}


def govsite_lines(jobs: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: [l for l in lines if "govsite " in l] for name, lines in jobs.items()}


MAIN_JOBS = {"index", "shard", "publish"}      # the default branch's pipeline; every other job is a review job
TEMPLATES = {
    "github-actions.yml": (github, {"BASE_SHA"}),
    "gitlab-ci.yml": (gitlab, {"CI_MERGE_REQUEST_DIFF_BASE_SHA"}),
}


def load(name):
    return yaml.safe_load((CI / name).read_text(encoding="utf-8"))


def git(root, *args):
    # The demo's texts were committed before they were approved: date the commits so.
    env = {**os.environ, "GIT_AUTHOR_DATE": "2026-11-01T09:00:00+08:00",
           "GIT_COMMITTER_DATE": "2026-11-01T09:00:00+08:00"}
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True,
                          env=env).stdout


@pytest.fixture
def demo(tmp_path):
    """The demo group as a Git repository: a base commit, then a pull request adding
    the Qingxiu district's items (signed in the demo)."""
    root = copy_demo(tmp_path / "demo")
    shutil.copy(PROJECT / "pyproject.toml", root / "pyproject.toml")
    register_deploy_key(root)                  # the city's deploy identity, committed with the group
    git(root.parent, "init", "-q", "-b", "main", str(root))
    git(root, "config", "user.name", "编辑甲")
    git(root, "config", "user.email", "editor@nn-demo.gov.cn")
    items = sorted((root / "content" / "qingxiu").rglob("*.md"))
    assert items
    moved = tmp_path / "held"
    shutil.move(root / "content" / "qingxiu", moved)
    (root / "content" / "qingxiu").mkdir()
    shutil.copy(moved / "site.yaml", root / "content" / "qingxiu" / "site.yaml")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    base = git(root, "rev-parse", "HEAD").strip()
    shutil.rmtree(root / "content" / "qingxiu")
    shutil.move(moved, root / "content" / "qingxiu")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "青秀区：新增信息")
    return root, base, len(items)


@pytest.fixture
def target():
    folder = Path(tempfile.mkdtemp(prefix="govsite-ci-target-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def run_lines(root, lines, env):
    results = []
    for line in lines:
        proc = subprocess.run(["bash", "-eo", "pipefail", "-c", line], cwd=root, env=env,
                              capture_output=True, text=True)
        results.append((line, proc.returncode, proc.stdout + proc.stderr))
    return results


def environment(base, target, names, root=None):
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"], "DEPLOY_TARGET": str(target)}
    env.update({n: base for n in names})
    if root is not None:
        env.update(deploy_identity(root, target))
    return env


def register_deploy_key(root: Path) -> Path:
    """A deploy key (made now) registered in the group's allowed_signers."""
    key = root.parent / "deploy-sign"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "deploy", "-f", str(key)], check=True)
    kind, b64 = Path(f"{key}.pub").read_text().split()[:2]
    with open(root / "keys" / "allowed_signers", "a") as f:
        f.write(f'deploy namespaces="govsite-manifest" {kind} {b64}\n')
    return key


def deploy_identity(root: Path, target: Path) -> dict:
    """The secrets the publish job reads: the deploy key, and a reload step that checks the
    installed nginx configuration with a real `nginx -t`, then leaves a mark."""
    key = root.parent / "deploy-sign"
    prefix = root.parent / "nginx"
    prefix.mkdir()
    (prefix / "nginx.conf").write_text(f"""pid {prefix}/nginx.pid;
events {{ worker_connections 64; }}
http {{ include /etc/nginx/mime.types; access_log off; include {target}/nginx/govsite.conf; }}
""")
    check = f"nginx -t -q -p {prefix} -c {prefix}/nginx.conf -e {prefix}/error.log"
    return {"GOVSITE_DEPLOY_KEY": str(key), "NGINX_RELOAD": f"{check} && touch {prefix}/reloaded"}


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_runs_review_then_publish_on_the_demo(name, demo, target, tmp_path):
    root, base, added = demo
    parse, base_vars = TEMPLATES[name]
    jobs = govsite_lines(parse(load(name)))
    review = [l for job, lines in jobs.items() if job not in MAIN_JOBS for l in lines]
    publish = jobs["publish"]
    assert any(l.strip().startswith("govsite check --stage pr --base") for l in review)
    assert any("govsite review --base" in l and "--markdown" in l for l in review)
    assert any(l.strip() == "govsite build --review --strict --output preview" for l in review)
    assert any(l.strip() == "govsite linkcheck --output preview" for l in review)
    assert any("govsite deploy --to" in l for l in publish)
    env = environment(base, target, base_vars, root)
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "summary.md")

    for line, code, out in run_lines(root, review, env):
        assert code == 0, (line, out)
        if "--stage pr" in line:
            assert f"检查 {added} 条信息" in out                  # exactly the items the pull request adds
    summary = (tmp_path / "summary.md" if name == "github-actions.yml" else root / "review-summary.md")
    table = summary.read_text(encoding="utf-8")
    assert table.count("| `content/qingxiu/") == added and "被拒绝" not in table
    pages = [p for p in (root / "preview").rglob("*.html") if "pagefind" not in p.parts]
    assert pages and all('<meta name="robots" content="noindex">' in p.read_text(encoding="utf-8")
                         for p in pages)
    assert (root / "preview" / "linkcheck.json").is_file()

    # main: the index, every share of the sites (as the matrix runs them), the merge and the deploy
    assert any(l.strip().startswith("govsite index") for l in jobs["index"])
    assert any("--shard" in l for l in jobs["shard"]) and any("govsite merge" in l for l in publish)
    for line, code, out in run_lines(root, jobs["index"], env):
        assert code == 0, (line, out)
    for k in range(1, 5):
        for line, code, out in run_lines(root, jobs["shard"], {**env, "SHARD": str(k), "SHARDS": "4"}):
            assert code == 0, (line, out)
    for line, code, out in run_lines(root, publish, env):
        assert code == 0, (line, out)
    live = target / "current" / "portal" / "index.html"
    assert live.is_file()
    assert f'root "{target}/current/portal";' in (target / "nginx" / "govsite.conf").read_text(encoding="utf-8")
    assert (root.parent / "nginx" / "reloaded").is_file()        # the reload step ran, after nginx -t passed
    assert any("--reload" in l and "--nginx-conf" in l for l in publish)
    page = live.read_text(encoding="utf-8")
    assert 'content="noindex"' not in page                      # production pages may be indexed
    assert f"https://{load_group(root).portal.domain}/" in page


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_review_fails_on_a_changed_item_that_is_not_approved(name, demo, target, tmp_path):
    root, base, _ = demo
    parse, base_vars = TEMPLATES[name]
    item = next((root / "content" / "qingxiu").rglob("*.md"))
    item.write_text(item.read_text(encoding="utf-8").replace("。", "！", 1), encoding="utf-8")
    git(root, "commit", "-q", "-am", "审核后又改了一处")
    env = environment(base, target, base_vars)
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "summary.md")
    lines = [l for job, ls in govsite_lines(parse(load(name))).items() if job not in MAIN_JOBS for l in ls]
    results = {line: (code, out) for line, code, out in run_lines(root, lines, env)}
    (code, out), = [v for k, v in results.items() if "--stage pr" in k]
    assert code == 1
    assert "approval.stale" in out and item.name in out and "待审核，还需要 “终审”" in out
    (code, out), = [v for k, v in results.items() if "build --review" in k]
    assert code == 0, out                                       # the preview shows it, marked
    rel = item.relative_to(root / "content").with_suffix(".html").as_posix()
    assert "待审核·未发布" in (root / "preview" / rel).read_text(encoding="utf-8")
    summary = (tmp_path / "summary.md" if name == "github-actions.yml" else root / "review-summary.md")
    table = summary.read_text(encoding="utf-8")
    row = next(l for l in table.splitlines() if item.name in l and l.startswith("|"))
    assert "待审核" in row and "终审" in row
    assert "-" in table and "+" in table and "！" in table       # the diff since the last approval


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_is_valid_against_its_official_schema(name):
    schema = {"github-actions.yml": "vendor.github-workflows", "gitlab-ci.yml": "vendor.gitlab-ci"}[name]
    proc = subprocess.run([f"{BIN}/check-jsonschema", "--builtin-schema", schema, str(CI / name)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_github_jobs_have_least_privilege_a_timeout_full_history_and_locked_installs():
    data = load("github-actions.yml")
    assert data["permissions"] == {"contents": "read"}
    for name, job in data["jobs"].items():
        assert 0 < job["timeout-minutes"] <= 60, name
        checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout"))
        assert checkout["with"]["fetch-depth"] == 0, name
        setup = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python"))
        assert setup["with"]["cache"] == "pip", name
        installs = [l for s in job["steps"] for l in s.get("run", "").splitlines() if "pip install" in l]
        assert installs and all("--require-hashes -r requirements.lock" in l or "--no-deps" in l for l in installs)


def test_gitlab_jobs_install_from_the_lock_with_full_history_and_a_pip_cache():
    data = load("gitlab-ci.yml")
    installs = [*data["default"]["before_script"], *data["publish"]["before_script"]]
    pips = [l for l in installs if "pip install" in l]
    assert pips and all("--require-hashes -r requirements.lock" in l or "--no-deps" in l for l in pips)
    assert data["default"]["cache"]["key"]["files"] == ["requirements.lock"]
    for job in ("review", "review-summary", "publish"):
        assert data[job]["variables"]["GIT_DEPTH"] == 0 and data[job]["timeout"]


def test_the_lock_files_pin_every_package_with_hashes():
    for name in ("requirements.lock", "requirements-test.lock"):
        text = (PROJECT / name).read_text(encoding="utf-8")
        pins = [l for l in text.splitlines() if l and l[0].isalnum()]
        assert len(pins) > 30
        assert all("==" in l and l.endswith("\\") for l in pins), name      # hashes follow every pin
    runtime = (PROJECT / "requirements.lock").read_text(encoding="utf-8")
    assert "\npelican==" in runtime and "\nplaywright==" not in runtime      # the demo installs no test tools
    assert "\nplaywright==" in (PROJECT / "requirements-test.lock").read_text(encoding="utf-8")
    for script in ("demo.sh", "test.sh"):
        assert "bootstrap.sh" in (PROJECT / "scripts" / script).read_text(encoding="utf-8")
    assert "--require-hashes" in (PROJECT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_keeps_the_preview_and_rebuilds_on_a_schedule(name):
    data = load(name)
    if name == "github-actions.yml":
        triggers = data.get("on", data.get(True))
        assert triggers["schedule"][0]["cron"]
        upload = [s for s in data["jobs"]["review"]["steps"] if "upload-artifact" in s.get("uses", "")]
        assert upload and upload[0]["with"]["path"] == "preview/" and upload[0]["if"] == "always()"
        assert "pull_request" in triggers and data["jobs"]["publish"]["if"].count("pull_request") == 1
    else:
        assert "schedule" in (CI / name).read_text(encoding="utf-8")
        assert data["review"]["artifacts"]["paths"] == ["preview/"]
        assert data["review"]["rules"][0]["if"] == '$CI_PIPELINE_SOURCE == "merge_request_event"'
        assert data["publish"]["rules"][0]["if"] == "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"


def test_templates_ship_with_the_package():
    import workflow

    folder = Path(workflow.__file__).parent / "ci"
    assert {p.name for p in folder.iterdir()} >= set(TEMPLATES)
