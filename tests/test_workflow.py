"""The GitHub Actions workflow in .github/workflows: valid by the workflow schema that
check-jsonschema ships (SchemaStore's github-workflows, kept in the package: no network), and
running the suite on the three supported systems."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "tests.yml"


def test_the_workflow_is_valid_by_the_schema() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         str(WORKFLOW)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok -- validation done" in proc.stdout


def test_the_schema_check_refuses_a_broken_workflow(tmp_path: Path) -> None:
    """The check can fail: a job without runs-on is not a workflow."""
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    steps:\n      - run: true\n")
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         str(broken)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout


def test_the_suite_runs_on_linux_macos_and_windows_with_the_fallbacks() -> None:
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    systems = {jobs["linux"]["runs-on"], *jobs["macos-windows"]["strategy"]["matrix"]["os"]}
    assert systems == {"ubuntu-latest", "macos-latest", "windows-latest"}
    assert jobs["linux"]["steps"][-1]["run"] == "bash .ci/run"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "TRACKER_GIT_FALLBACKS=1 .venv/bin/pytest" in ci
