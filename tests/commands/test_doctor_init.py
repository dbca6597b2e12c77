"""`git tracker doctor` and `git tracker init`, run as a user would, against the sandbox."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from testing.repos import git, make_repo, run
from testing.servers import SandboxHandle

CLI = str(Path(sys.executable).parent / "git-tracker")


def tracker(cwd: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    proc = run(cwd, CLI, *args, env={**os.environ, **(env or {})})
    assert "Traceback" not in proc.stderr
    return proc.returncode, proc.stdout + proc.stderr


def lines_about(out: str, topic: str) -> str:
    found = [line.strip() for line in out.splitlines() if f"  {topic}:" in line]
    assert len(found) == 1, out
    return found[0]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = make_repo(tmp_path / "repo")
    git(path, "remote", "add", "origin", "git@github.com:acme/app.git")
    return path


def test_doctor_all_fine(repo: Path, sandbox: SandboxHandle) -> None:
    tracker(repo, "hooks", "install")
    code, out = tracker(repo, "doctor", env={**sandbox.env, "GH_TOKEN": "forge-token"})
    assert code == 0, out
    assert lines_about(out, "tracker").startswith("ok  tracker: http://127.0.0.1")
    assert "you are" in lines_about(out, "tracker")
    assert lines_about(out, "token") == "ok  token: found (environment)"
    assert lines_about(out, "organization") == "ok  organization: X-Org-ID sandbox-org"
    assert lines_about(out, "forge") == "ok  forge: github at github.com, token found"
    assert lines_about(out, "hooks") == "ok  hooks: tracker-git runs in 4 of 4 hook types"
    assert "\n         commit-msg: tracker-git\n" in out


def test_doctor_reports_a_broken_config(repo: Path, sandbox: SandboxHandle) -> None:
    (repo / ".tracker-git.toml").write_text('[hooks]\ninsert = "sideways"\n')
    code, out = tracker(repo, "doctor", env=sandbox.env)
    assert code == 1
    line = lines_about(out, "config")
    assert line.startswith("problem  config: ")
    assert ".tracker-git.toml: 'hooks.insert' must be one of" in line


def test_doctor_reports_a_missing_token(repo: Path, sandbox: SandboxHandle) -> None:
    """Offline hooks need no token (a headless machine without a keyring): a note, exit 0;
    with [hooks] online the hooks need it: a problem."""
    tracker(repo, "hooks", "install")
    env = {k: v for k, v in sandbox.env.items() if k != "TRACKER_TOKEN"}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["GH_TOKEN"] = "forge-token"
    code, out = tracker(repo, "doctor", env=env)
    assert code == 0, out
    token = lines_about(out, "token")
    assert token.startswith("note  token: cannot read the token: no OS keyring is available")
    assert token.endswith("(the hooks need none; the Tracker commands do)")
    assert (
        lines_about(out, "tracker") == "note  tracker: not checked: no token (the hooks need none)"
    )
    (repo / ".tracker-git.toml").write_text("[hooks]\nonline = true\n")
    code, out = tracker(repo, "doctor", env=env)
    assert code == 1
    assert lines_about(out, "token").startswith("problem  token: ")
    assert "git tracker login" in lines_about(out, "token")
    assert lines_about(out, "token").endswith("([hooks] online needs it)")


def test_doctor_a_self_hosted_remote_and_a_missing_commit_msg_hook(repo: Path) -> None:
    git(repo, "remote", "set-url", "origin", "https://git.example.com/acme/app.git")
    tracker(repo, "hooks", "install")
    code, out = tracker(repo, "doctor")
    assert code == 0, out
    forge = lines_about(out, "forge")
    assert forge.startswith("note  forge: cannot tell which forge git.example.com runs")
    assert forge.endswith("(only 'git tracker pr' needs it)")
    os.remove(repo / ".git" / "hooks" / "commit-msg")
    os.remove(repo / ".git" / "hooks" / "pre-push")
    code, out = tracker(repo, "doctor", "--offline")
    assert code == 1
    assert lines_about(out, "hooks") == (
        "problem  hooks: tracker-git runs in 2 of 4 hook types, not in commit-msg, so messages "
        "are not checked: run 'git tracker hooks install' (or add tracker-commit-msg to "
        "pre-commit)"
    )


def test_doctor_reports_an_unreachable_tracker(repo: Path, sandbox: SandboxHandle) -> None:
    url = sandbox.url
    sandbox.stop()  # nothing listens there any more
    env = {**sandbox.env, "TRACKER_API_URL": url}
    code, out = tracker(repo, "doctor", env=env)
    assert code == 1
    line = lines_about(out, "tracker")
    assert line.startswith(f"problem  tracker: {url}: ")


def test_doctor_reports_a_wrong_organization(repo: Path, sandbox: SandboxHandle) -> None:
    code, out = tracker(repo, "doctor", env={**sandbox.env, "TRACKER_ORG_ID": "someone-else"})
    assert code == 1
    assert lines_about(out, "tracker").startswith("problem  tracker: ")


def test_doctor_offline_and_no_hooks(repo: Path) -> None:
    code, out = tracker(repo, "doctor", "--offline")
    assert code == 1
    assert "git tracker hooks install" in lines_about(out, "hooks")
    assert "tracker:" not in out


def test_init_guesses_queues_from_history_and_refuses_to_overwrite(repo: Path) -> None:
    for message in ("OPS-2: b", "DEV-1: a", "OPS-4: d", "DEV-3: c", "UTF-8 everywhere"):
        git(repo, "commit", "-q", "--allow-empty", "-m", message)
    code, out = tracker(repo, "init")
    assert code == 0, out
    text = (repo / ".tracker-git.toml").read_text()
    assert 'queues = ["DEV", "OPS"]' in text
    assert "Guessed from history." in text
    assert "entry: tracker-git-hook commit-msg" in out  # the pre-commit snippet
    # What it wrote is valid configuration: doctor's config check reads it.
    _, checked = tracker(repo, "doctor", "--offline")
    assert lines_about(checked, "config").startswith("ok  config: valid")
    assert "queues: DEV, OPS" in lines_about(checked, "config")
    code, out = tracker(repo, "init")
    assert code == 1
    assert "exists already" in out
    code, _ = tracker(repo, "init", "--force", "--queues", "web,API", "--pre-commit")
    assert code == 0
    given = (repo / ".tracker-git.toml").read_text()
    assert 'queues = ["WEB", "API"]' in given
    assert "Guessed" not in given  # the user named them
    assert "tracker-prepare-commit-msg" in (repo / ".pre-commit-config.yaml").read_text()


def test_init_rejects_queue_keys_that_are_not_latin_letters(repo: Path) -> None:
    code, out = tracker(repo, "init", "--queues", "DEV,V2")
    assert code == 2
    assert out == (
        "error: --queues: V2 is not a queue key: Latin letters only, as Tracker's queue keys "
        "(DEV, SUPPORT)\n"
    )
    assert not (repo / ".tracker-git.toml").exists()


# The commit-msg hook as `git tracker hooks install` wrote it before the hooks started Python
# without site (0.x, before they carried PACKAGE=): it works, but every commit starts slower.
_HOOK_BEFORE_NOSITE = """#!/bin/sh
# tracker-git plain hook: commit-msg (git tracker hooks install; remove with git tracker hooks uninstall)
# A hook that was here before is kept as commit-msg.tracker-git-legacy and runs first.
PYTHON='{python}'
here=${{0%/*}}  # git runs hooks by a path; no dirname process on every commit
if [ -x "$here/commit-msg.tracker-git-legacy" ]; then
    "$here/commit-msg.tracker-git-legacy" "$@" || exit $?
fi
if [ -x "$PYTHON" ]; then
    exec "$PYTHON" -E -P -c 'import sys; from tracker_git.hooks.__main__ import main; sys.exit(main())' commit-msg "$@"
fi
if ! command -v tracker-git-hook >/dev/null 2>&1; then
    echo "tracker-git: the Python that installed this hook ($PYTHON) is gone and tracker-git-hook is not on PATH; run 'git tracker hooks install' again (or commit with TRACKER_GIT_SKIP=1)" >&2
    exit 1
fi
exec tracker-git-hook commit-msg "$@"
"""


def test_doctor_notes_plain_hooks_that_install_would_write_otherwise(repo: Path) -> None:
    from tracker_git import plainhooks

    tracker(repo, "hooks", "install")
    hooks = repo / ".git" / "hooks"
    (hooks / "commit-msg").write_text(_HOOK_BEFORE_NOSITE.format(python=sys.executable))
    # The old hook still works (it still checks), so doctor has nothing to fail.
    proc = run(repo, "git", "commit", "-q", "--allow-empty", "-m", "no key")
    assert proc.returncode == 1 and "references no issue key" in proc.stderr, proc.stderr
    edited = hooks / "pre-push"
    edited.write_text(edited.read_text() + "# mine\n")
    other = "/opt/other venv's/bin/python3"
    (hooks / "pre-commit").write_text(plainhooks.hook_text("pre-commit", other, "/opt/site"))
    code, out = tracker(repo, "doctor", "--offline")
    assert code == 0, out  # they work: a note, not a problem
    assert lines_about(out, "hooks") == (
        "note  hooks: tracker-git runs in 4 of 4 hook types; 3 not as 'git tracker hooks "
        "install' writes them now: run it again"
    )
    fix = ": run 'git tracker hooks install'\n"
    assert (
        "\n         commit-msg: tracker-git; out of date: it starts Python with site (slower)" + fix
    ) in out
    assert (
        "\n         pre-push: tracker-git; not what this tracker-git writes (edited, or from "
        "another version)" + fix
    ) in out
    assert f"\n         pre-commit: tracker-git; installed by another Python ({other})" + fix in out
    assert "\n         prepare-commit-msg: tracker-git\n" in out  # as written now
    tracker(repo, "hooks", "install")
    code, out = tracker(repo, "doctor", "--offline")
    assert code == 0, out
    assert lines_about(out, "hooks") == "ok  hooks: tracker-git runs in 4 of 4 hook types"
