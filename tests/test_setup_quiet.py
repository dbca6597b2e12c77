"""scripts/setup installs the project editable: setuptools must not open it with a warning
block a newcomer reads as an error ("Editable installation ... Please be careful with
folders ..."), as it does for a flat layout it was not told about (pyproject's package-dir)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_editable_build_says_no_warning(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-W", "default", "-c",
         "import sys, setuptools.build_meta as b; print(b.build_editable(sys.argv[1]))",
         str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1].endswith(".whl")
    said = proc.stdout + proc.stderr
    assert "Editable installation" not in said
    assert "Warning" not in said, said
