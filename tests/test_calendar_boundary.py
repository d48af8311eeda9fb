"""A missing year never unpublishes anything (issue 13): a demo-like group whose letters and
disclosures span 2026-12 to 2027-02 builds with `--strict` and deploys as of 2027-01-10 and
2027-02-15, with zero calendar refusals, before and after the web office enters 2027."""
import json

import pytest

from tests.group_setup import published
from tests.repo import DEPLOY

LETTER = dict(column="xinjian", question="市民反映……", reply_unit="测试市住建局", source="测试市住建局")
# Test data only: a plausible 2027 arrangement for this test's own repository, not an official notice.
TEST_2027 = """# 测试数据（非正式通知）：本测试仓库自己的 2027 年安排
2027:
  holidays:
    - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
    - {name: 春节, from: 2027-02-05, to: 2027-02-13, work: [2027-02-20]}
"""


@pytest.fixture(scope="module")
def boundary(tmp_path_factory, keys):
    from tests.repo import Repo

    repo = Repo(tmp_path_factory.mktemp("boundary") / "repo", keys)
    repo.site("portal", columns={"yaowen": {"name": "政务要闻", "type": "要闻"},
                                 "tzgg": {"name": "通知公告", "type": "通知公告"},
                                 "zcwj": {"name": "政策文件", "type": "政策文件"},
                                 "xinjian": {"name": "市长信箱", "type": "信件"}})
    repo.site("district", name="测试市某某区人民政府", type_="district", parent="portal",
              domain="district.test-city.gov.cn",
              columns={"yaowen": {"name": "区县要闻", "type": "要闻"}, "xinjian": {"name": "区长信箱", "type": "信件"}},
              reviewers={"qu.shen": {"name": "区审核人", "levels": ["终审"]}},
              review={"levels": ["终审"], "required": ["终审"]})
    items = [
        dict(slug="unanswered-nov", received="2026-11-20", date="2026-11-21 09:00", **LETTER),   # the case
        dict(slug="dec-answered-jan", received="2026-12-28", replied="2027-01-06", date="2027-01-06 17:00", **LETTER),
        dict(slug="dec-answered-late", received="2026-12-24", replied="2027-01-20", date="2027-01-20 17:00", **LETTER),
        dict(slug="jan-unanswered", received="2027-01-15", date="2027-01-16 09:00", **LETTER),
        dict(slug="jan-extended", received="2027-01-25", extended_to="2027-02-26", extension_approved_by="副市长",
             date="2027-01-26 09:00", **LETTER),
        dict(slug="formed-dec", formed="2026-12-10", date="2027-01-08 09:00"),                   # the case
        dict(slug="formed-late", formed="2026-12-01", date="2027-01-09 09:00"),
        dict(column="zcwj", slug="written-dec", written="2026-12-20", date="2027-02-05 09:00"),
        dict(column="tzgg", slug="feb-notice", formed="2027-02-01", date="2027-02-10 09:00"),
        dict(site="district", slug="d-dec", formed="2026-12-28", date="2027-01-04 09:00", source="测试市某某区人民政府"),
        dict(site="district", slug="d-letter", column="xinjian", received="2027-01-04", replied="2027-02-09",
             date="2027-02-09 17:00", question="区民反映……", reply_unit="某某区住建局", source="某某区住建局"),
        dict(slug="news-old", date="2026-12-30 09:00"),
    ]
    for fields in items:
        published(repo, repo.item(**fields))
    return repo


def build_and_deploy(repo, as_of: str, target) -> dict:
    code, out, err = repo.build("--strict", "--production", "--as-of", f"{as_of} 12:00")
    assert code == 0, out + err
    report = repo.report()
    code, out, err = repo.govsite("deploy", "--to", target, "--sign-key", repo.keys[DEPLOY])
    assert code == 0, out + err
    assert (target / "current" / "portal" / "index.html").is_file()
    return report


def published_paths(report) -> set:
    return {i["path"] for i in report["items"] if i["status"] == "published"}


def findings(report) -> list[dict]:
    return [f for i in report["items"] for f in i["findings"] if not f["rule"].startswith("approval.")]


def test_a_missing_year_never_unpublishes_anything(boundary, tmp_path):
    target = tmp_path / "srv"
    target.mkdir()
    holidays = boundary.root / "policy" / "holidays.yaml"
    runs = {}
    for entered in (False, True):
        if entered:
            holidays.parent.mkdir(exist_ok=True)
            holidays.write_text(TEST_2027, encoding="utf-8")
        for as_of in ("2027-01-10", "2027-02-15"):
            report = build_and_deploy(boundary, as_of, target)
            assert [i["path"] for i in report["items"] if i["status"] == "refused"] == []
            assert [f for f in findings(report) if f["severity"] == "error"] == []
            assert not any(f["rule"].startswith("calendar.") for f in findings(report))
            runs[entered, as_of] = report
    # before 2027 is entered, verdicts resting on it say 暂定; afterwards none does
    provisional = [f for f in findings(runs[False, "2027-02-15"]) if "暂定" in f["message"]]
    assert provisional and all("暂定：2027 年" in f["message"] for f in provisional)
    assert [f for r in (runs[True, "2027-01-10"], runs[True, "2027-02-15"]) for f in findings(r)
            if "暂定" in f["message"]] == []
    # nothing that was published on 10 January vanishes on 15 February, entered or not
    for entered in (False, True):
        assert published_paths(runs[entered, "2027-01-10"]) <= published_paths(runs[entered, "2027-02-15"])
    assert "content/portal/xinjian/unanswered-nov.md" in published_paths(runs[False, "2027-01-10"])
    assert "content/portal/yaowen/formed-dec.md" in published_paths(runs[False, "2027-01-10"])
    releases = [p for p in (target / "releases").iterdir() if not p.name.startswith(".")]
    assert len(releases) == 4


def test_the_report_says_which_years_were_provisional(boundary, tmp_path):
    holidays = boundary.root / "policy" / "holidays.yaml"
    holidays.unlink(missing_ok=True)
    code, out, err = boundary.govsite("report", "--as-of", "2027-02-15", "--output", tmp_path / "before")
    assert code == 0 and "2027 年的放假安排尚未录入" in err
    before = json.loads((tmp_path / "before" / "report.json").read_text(encoding="utf-8"))
    assert before["provisional_years"] == [2027]
    assert "2027 年为暂定" in (tmp_path / "before" / "index.html").read_text(encoding="utf-8")
    holidays.parent.mkdir(exist_ok=True)
    holidays.write_text(TEST_2027, encoding="utf-8")
    try:
        code, out, err = boundary.govsite("report", "--as-of", "2027-02-15", "--output", tmp_path / "after")
    finally:
        holidays.unlink()
    assert code == 0 and "尚未录入" not in err
    after = json.loads((tmp_path / "after" / "report.json").read_text(encoding="utf-8"))
    assert after["provisional_years"] == [] and "2027 年：policy/holidays.yaml" in after["calendar"]
    assert {e["path"] for s in after["sites"] for e in s["overdue_letters"]} >= {
        "content/portal/xinjian/unanswered-nov.md", "content/portal/xinjian/dec-answered-late.md"}
