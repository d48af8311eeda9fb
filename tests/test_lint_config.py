"""The type checker's settings (issue 17): strict on the stages the others rely on,
flag by flag as `mypy --strict` itself lists them, and not on the rest by accident
(`strict = true` in an override section switches strict mode on for every module)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.repo import PROJECT

MYPY = Path(sys.executable).parent / "mypy"
STRICT = {"workflow.model.*", "workflow.gate.*", "workflow.review.*", "workflow.errors"}


def mypy_config() -> dict:
    return tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]


def strict_flags() -> dict[str, bool]:
    """What `--strict` turns on in the installed mypy, as config keys and values (its own help)."""
    out = subprocess.run([str(MYPY), "--help"], capture_output=True, text=True, check=True,
                         env={**os.environ, "COLUMNS": "1000"}).stdout
    listed = re.search(r"--strict\s+Strict mode; enables the following flags: (.*)", out)
    assert listed, "mypy --help no longer lists what --strict enables"
    flags = {}
    for flag in re.findall(r"--([a-z-]+)", listed[1]):
        key = flag.replace("-", "_")
        flags[key.removeprefix("no_")] = not key.startswith("no_")
    return flags


def test_mypy_is_strict_on_model_gate_review_and_errors_flag_by_flag():
    config = mypy_config()
    overrides = [o for o in config["overrides"] if set(o["module"]) >= STRICT]
    assert len(overrides) == 1, "one override names every strict package"
    flags = strict_flags()
    assert len(flags) >= 10
    missing = {key: value for key, value in flags.items() if overrides[0].get(key, config.get(key)) != value}
    assert not missing, f"set these in the strict override of pyproject.toml: {missing}"


def test_no_section_says_strict_which_would_make_every_module_strict():
    config = mypy_config()
    assert "strict" not in config
    assert all("strict" not in o for o in config["overrides"])


def test_the_package_says_it_is_typed():
    assert (PROJECT / "workflow" / "py.typed").is_file()
    package_data = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert "py.typed" in package_data["package-data"]["workflow"]
