"""Getting started for real: `login -h` says how to get a Tracker OAuth token (the scopes) or
an IAM token and where the organization id is; errors point at `git tracker help TOPIC`, never
at a docs/ file a wheel user does not have."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from testing.repos import make_repo, run

CLI = str(Path(sys.executable).parent / "git-tracker")
PACKAGE = Path(__file__).resolve().parents[2] / "tracker_git"


def test_login_help_says_how_to_get_a_token(tmp_path: Path) -> None:
    proc = run(tmp_path, CLI, "login", "-h", env={"COLUMNS": "400", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    for needed in (
        "OAuth app", "tracker:read", "tracker:write", "yc iam create-token", "--token-kind iam",
        "Administration > Organizations", "--org-id for Yandex 360", "--cloud-org-id",
    ):  # fmt: skip
        assert needed in text, needed


def test_errors_point_at_help_topics_not_at_files(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    relay = run(repo, CLI, "relay")
    assert relay.returncode == 2
    assert "see 'git tracker help relay'" in relay.stderr
    notify = run(repo, CLI, "notify", "plan")
    assert "see 'git tracker help notify'" in notify.stderr, notify.stderr


def test_no_message_of_the_package_names_a_docs_file() -> None:
    """Only comments and docstrings may name docs/*.md (for developers reading the code)."""
    offending = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and re.search(r"(?<![/\w])docs/\w+\.md", node.value)  # a URL may link the docs
            ):
                offending.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offending == []
