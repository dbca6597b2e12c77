"""The hook table (tracker_git/hooks/__init__.py) is the one place hooks are named: the files
that must spell them out themselves agree with it."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import yaml

from tracker_git import hooks

ROOT = Path(__file__).resolve().parents[2]


def test_pre_commit_hooks_yaml_follows_the_table() -> None:
    entries = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [entry["id"] for entry in entries] == [hook.id for hook in hooks.HOOKS]
    for entry, hook in zip(entries, hooks.HOOKS, strict=True):
        assert entry["entry"] == f"tracker-git-hook {hook.name}"
        assert entry["name"] == hook.title
        assert tuple(entry["stages"]) == hook.stages
        assert entry.get("pass_filenames", True) == hook.takes_file
        assert entry.get("always_run", False) == (not hook.takes_file)


def test_each_plain_hook_script_runs_the_hooks_of_its_stage() -> None:
    folder = resources.files("tracker_git.resources").joinpath("hooks")
    scripts = {path.name for path in folder.iterdir()}
    assert scripts == set(hooks.GIT_HOOKS)
    for git_hook in hooks.GIT_HOOKS:
        text = folder.joinpath(git_hook).read_text()
        run = re.findall(r"sys\.exit\(main\(\)\)' \"\$PACKAGE\" ([a-z-]+)", text) + re.findall(
            r"^run ([a-z-]+)", text, re.M
        )
        wanted = [hook.name for hook in hooks.HOOKS if git_hook in hook.stages]
        assert run == wanted, git_hook


def test_every_hook_module_exists_and_the_docs_name_every_id() -> None:
    import importlib

    docs = (ROOT / "docs" / "hooks.md").read_text()
    for hook in hooks.HOOKS:
        assert callable(importlib.import_module(hook.module).main)
        assert hook.id in docs
