"""`git tracker init` on a real history: queues guessed from a meaningful share of the recent
commits (the counts shown), stdout one YAML document, and --pre-commit adding to an existing
.pre-commit-config.yaml, every byte of it kept (checked by pre-commit's own validator)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from testing.repos import git, make_repo, run
from tracker_git import about, precommit

BIN = Path(sys.executable).parent
CLI = str(BIN / "git-tracker")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def commits(repo: Path, *messages: str) -> None:
    for message in messages:
        git(repo, "commit", "-q", "--allow-empty", "--no-verify", "-m", message)


def test_queues_need_a_share_of_the_commits_and_the_counts_are_shown(repo: Path) -> None:
    commits(repo, *(f"IO-{n}: change {n}" for n in range(1, 21)))
    commits(repo, "IO-30: port the fix from COMPRESS-12", "see KAFKA-3 and PR-4")
    proc = run(repo, CLI, "init")
    assert proc.returncode == 0, proc.stderr
    assert 'queues = ["IO"]' in (repo / ".tracker-git.toml").read_text()
    assert (
        "queues guessed from the last 23 commits (a queue needs keys in at least 10% of them, "
        "2 at least): IO 21; left out: COMPRESS 1, KAFKA 1, PR 1; name them with --queues"
    ) in proc.stderr


def test_stdout_is_one_yaml_document(repo: Path) -> None:
    proc = run(repo, CLI, "init", "--queues", "DEV")
    assert proc.returncode == 0, proc.stderr
    documents = list(yaml.safe_load_all(proc.stdout))
    assert len(documents) == 1
    assert proc.stdout == precommit.standard_snippet(about.project_url(), about.version())
    assert "repo: local" in proc.stderr  # the mirror's variant, for the person


EXISTING = """\
# The team's hooks.
repos:
- repo: https://github.com/pre-commit/pre-commit-hooks
  rev: v4.6.0
  hooks:
  - id: trailing-whitespace   # keep
-   repo: local
    hooks:
    -   id: no-todo
        name: no todo
        entry: "false"
        language: system
        files: '\\.todo$'
"""


def test_pre_commit_is_added_to_an_existing_config_keeping_every_byte(repo: Path) -> None:
    path = repo / ".pre-commit-config.yaml"
    path.write_text(EXISTING)
    proc = run(repo, CLI, "init", "--queues", "DEV", "--pre-commit")
    assert proc.returncode == 0, proc.stderr
    assert f"added tracker-git's hooks to {path}" in proc.stderr
    text = path.read_text()
    entry = precommit.entry(about.project_url(), about.version(), "")
    assert text == precommit.INSTALL_TYPES + "\n" + EXISTING.replace(
        "repos:\n", "repos:\n" + entry, 1
    )
    checked = run(repo, str(BIN / "pre-commit"), "validate-config", str(path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    repos = yaml.safe_load(text)["repos"]
    assert [r["repo"] for r in repos] == [
        about.project_url(),
        "https://github.com/pre-commit/pre-commit-hooks",
        "local",
    ]
    again = run(repo, CLI, "init", "--force", "--queues", "DEV", "--pre-commit")
    assert "already lists tracker-git's hooks; unchanged" in again.stderr
    assert path.read_text() == text


def test_a_config_it_cannot_add_to_is_left_alone_with_what_to_add(repo: Path) -> None:
    path = repo / ".pre-commit-config.yaml"
    path.write_text("repos: []\n")
    proc = run(repo, CLI, "init", "--queues", "DEV", "--pre-commit")
    assert proc.returncode == 1
    assert path.read_text() == "repos: []\n"
    assert f"- repo: {about.project_url()}" in proc.stderr
    assert "--force" not in proc.stderr  # it would overwrite the file
