"""No write follows a link the repository carries (issue 19): `git tracker init` (with
`--force`, which its own message suggests, and `--pre-commit`) refuses a symlink where it
writes, committed or dangling, in the file's name or a folder above it; nothing outside the
work tree is created or changed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from testing.repos import git, make_repo
from tracker_git.core import paths
from tracker_git.core.errors import OperationFailed

CLI = str(Path(sys.executable).parent / "git-tracker")
PRECIOUS = "the user's own file\n"


def init(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, "init", "--queues", "DEMO", *args], cwd=repo, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


def cloned_with_link(tmp_path: Path, name: str, target: Path) -> Path:
    repo = make_repo(tmp_path / "repo")
    (repo / name).symlink_to(target)
    git(repo, "add", name)
    git(repo, "commit", "-q", "--no-verify", "-m", "a link")
    return repo


@pytest.mark.parametrize("force", [False, True])
def test_init_does_not_overwrite_a_file_through_a_committed_link(
    tmp_path: Path, force: bool
) -> None:
    home_file = tmp_path / "home" / ".bashrc"
    home_file.parent.mkdir()
    home_file.write_text(PRECIOUS)
    repo = cloned_with_link(tmp_path, ".tracker-git.toml", Path("../home/.bashrc"))
    proc = init(repo, *(["--force"] if force else []))
    assert proc.returncode == 1, proc.stderr
    assert "is a symbolic link" in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert home_file.read_text() == PRECIOUS


def test_init_creates_nothing_through_a_dangling_link(tmp_path: Path) -> None:
    for name in (".tracker-git.toml", ".pre-commit-config.yaml"):
        where = tmp_path / name / "outside"
        repo_root = tmp_path / name / "x"
        repo_root.mkdir(parents=True)
        repo = cloned_with_link(repo_root, name, where)
        args = ["--force", "--pre-commit"] if name != ".tracker-git.toml" else []
        proc = init(repo, *args)
        assert proc.returncode == 1 and "is a symbolic link" in proc.stderr, proc.stderr
        assert not where.exists()


def test_a_linked_folder_above_the_file_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    repo = cloned_with_link(tmp_path, "sub", outside)
    with pytest.raises(OperationFailed, match="sub is a symbolic link"):
        paths.write_in_work_tree(str(repo), str(repo / "sub" / "f.toml"), "x")
    assert list(outside.iterdir()) == []
    with pytest.raises(OperationFailed, match="not inside the work tree"):
        paths.write_in_work_tree(str(repo), str(tmp_path / "elsewhere.toml"), "x")


def test_init_still_writes_plain_files(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    assert init(repo, "--pre-commit").returncode == 0
    assert 'queues = ["DEMO"]' in (repo / ".tracker-git.toml").read_text()
    assert "tracker-git" in (repo / ".pre-commit-config.yaml").read_text()
    assert init(repo, "--force").returncode == 0
    assert not [p for p in os.listdir(repo) if p.endswith(".tmp")]
