"""The hooks in every flow docs/hooks.md names, driven by real git with the plain hooks installed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import cast

from testing.repos import commit_file, git, head_message, make_repo, run

SAVED = "tracker-git/REJECTED_COMMIT_MSG"


def no_hooks() -> dict[str, str]:
    """This test's environment with every hook skipped."""
    return {**os.environ, "TRACKER_GIT_SKIP": "1"}


def keyless_commit(repo: Path, name: str, content: str, message: str) -> None:
    """A commit the hooks leave alone (--no-verify would still run prepare-commit-msg)."""
    (repo / name).write_text(content)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message, env=no_hooks())


def test_key_is_inserted_from_the_branch(repo: Path) -> None:
    commit_file(repo, "a", "1", "fix the login form")
    assert head_message(repo) == "DEV-1: fix the login form\n\n"


def test_lower_case_key_in_branch_is_normalised(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "dev-42-lower")
    commit_file(repo, "a", "1", "tidy up")
    assert head_message(repo).startswith("DEV-42: tidy up")


def test_message_that_has_a_key_is_left_alone(repo: Path) -> None:
    commit_file(repo, "a", "1", "OPS-7: unrelated fix")
    assert head_message(repo).startswith("OPS-7: unrelated fix")


def test_amend_never_inserts_twice(repo: Path) -> None:
    commit_file(repo, "a", "1", "first")
    git(repo, "commit", "-q", "--amend", "--no-edit")
    git(repo, "commit", "-q", "--amend", "-m", head_message(repo))
    assert head_message(repo).count("DEV-1") == 1


def test_commit_without_key_on_keyless_branch_is_rejected_and_kept(repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    (repo / "a").write_text("1")
    git(repo, "add", "a")
    proc = run(repo, "git", "commit", "-m", "no key here")
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.startswith("tracker-git:")]
    assert len(lines) == 1
    assert "references no issue key" in lines[0]
    reopen = lines[0].split("reopen it with: ")[1]
    assert (
        reopen == 'git commit -e -F "$(git rev-parse --git-path tracker-git/REJECTED_COMMIT_MSG)"'
    )
    saved = git(repo, "rev-parse", "--git-path", SAVED).strip()
    assert (repo / saved).read_text() == "no key here\n"


def test_look_alikes_are_not_keys(repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    (repo / "a").write_text("1")
    git(repo, "add", "a")
    for text in (
        "use UTF-8 everywhere",
        "SHA-256 and ISO-8601",
        "fix CVE-2024-1234",
        "v4-2 ABC-123x",
    ):
        assert run(repo, "git", "commit", "-q", "-m", text).returncode == 1, text


def test_key_only_message_is_rejected(repo: Path) -> None:
    (repo / "a").write_text("1")
    git(repo, "add", "a")
    proc = run(repo, "git", "commit", "-q", "-m", "DEV-1:")
    assert proc.returncode == 1
    assert "nothing but the key DEV-1" in proc.stderr


def test_skip_switches(repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    for env in ({"TRACKER_GIT_SKIP": "1"}, {"SKIP": "tracker-commit-msg,tracker-branch-name"}):
        (repo / "a").write_text(str(env))
        git(repo, "add", "a")
        proc = run(repo, "git", "commit", "-q", "-m", "no key", env={**os.environ, **env})
        assert proc.returncode == 0, proc.stderr
    (repo / "a").write_text("verify")
    git(repo, "add", "a")
    assert run(repo, "git", "commit", "-q", "--no-verify", "-m", "no key").returncode == 0


def test_merge_clean_and_after_conflict(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "topic", "main")
    keyless_commit(repo, "a", "topic\n", "topic work")
    git(repo, "checkout", "-q", "main")
    keyless_commit(repo, "b", "main\n", "main work")
    # A clean merge: git's own message ("Merge branch 'topic'") has no key, and passes.
    proc = run(repo, "git", "merge", "--no-ff", "topic")
    assert proc.returncode == 0, proc.stderr
    assert head_message(repo) == "Merge branch 'topic'\n\n"
    # A conflicted merge, finished with `git commit --no-edit`: passes too, untouched.
    git(repo, "checkout", "-q", "topic")
    keyless_commit(repo, "c", "theirs\n", "their change")
    git(repo, "checkout", "-q", "main")
    keyless_commit(repo, "c", "mine\n", "conflicting change")
    assert run(repo, "git", "merge", "topic").returncode != 0
    (repo / "c").write_text("resolved\n")
    git(repo, "add", "c")
    proc = run(repo, "git", "commit", "--no-edit")
    assert proc.returncode == 0, proc.stderr
    assert head_message(repo).startswith("Merge branch 'topic'")


def test_ordinary_commit_titled_merge_is_checked(repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    (repo / "a").write_text("1")
    git(repo, "add", "a")
    assert run(repo, "git", "commit", "-q", "-m", "Merge sort fix").returncode == 1


def test_revert_with_and_without_edit(repo: Path) -> None:
    commit_file(repo, "a", "1", "add a")
    commit_file(repo, "b", "2", "add b")
    # --no-edit runs prepare-commit-msg but not commit-msg; the message must stay git's.
    git(repo, "revert", "--no-edit", "HEAD")
    assert head_message(repo).startswith('Revert "DEV-1: add b"')
    assert "This reverts commit" in head_message(repo)
    # On a keyless branch a revert of a keyless commit still passes (git wrote the text).
    git(repo, "checkout", "-q", "-b", "tmp-no-key", "main")
    keyless_commit(repo, "c", "3", "plain commit")
    proc = run(repo, "git", "revert", "HEAD")  # GIT_EDITOR=true: runs commit-msg too
    assert proc.returncode == 0, proc.stderr
    assert head_message(repo).startswith('Revert "plain commit"')


def test_cherry_pick_keeps_the_message(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "tmp", "main")
    keyless_commit(repo, "c", "3", "keyless work")
    sha = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "DEV-1-login")
    proc = run(repo, "git", "cherry-pick", sha)
    assert proc.returncode == 0, proc.stderr
    assert head_message(repo).startswith("keyless work")
    # With a conflict, continued later: CHERRY_PICK_HEAD says what is going on.
    commit_file(repo, "d", "ours\n", "ours")
    git(repo, "checkout", "-q", "tmp")
    keyless_commit(repo, "d", "theirs\n", "theirs")
    sha = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "DEV-1-login")
    assert run(repo, "git", "cherry-pick", sha).returncode != 0
    (repo / "d").write_text("both\n")
    git(repo, "add", "d")
    proc = run(repo, "git", "cherry-pick", "--continue")
    assert proc.returncode == 0, proc.stderr
    assert head_message(repo).startswith("theirs")


def test_rebase_with_reword_reads_the_branch_from_rebase_state(repo: Path) -> None:
    keyless_commit(repo, "a", "1", "keyless one")
    commit_file(repo, "b", "2", "DEV-1: second")
    # Reword the first commit: sequence editor marks it, the editor leaves the text as is.
    env = {
        **os.environ,
        "GIT_SEQUENCE_EDITOR": "sed -i '1s/^pick/reword/'",
        "GIT_EDITOR": "true",
    }
    proc = run(repo, "git", "rebase", "-i", "main", env=env)
    assert proc.returncode == 0, proc.stderr
    messages = git(repo, "log", "--format=%s", "main..HEAD").splitlines()
    assert messages == ["DEV-1: second", "DEV-1: keyless one"]


def test_autosquash_commits_pass(repo: Path) -> None:
    commit_file(repo, "a", "1", "DEV-1: base")
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-q", "-b", "no-key-branch")
    for prefix in ("fixup!", "squash!", "amend!"):
        (repo / "a").write_text(prefix)
        git(repo, "add", "a")
        proc = run(repo, "git", "commit", "-q", "--no-verify", "-m", "x")  # get past branch check
        assert proc.returncode == 0
        (repo / "a").write_text(prefix + "2")
        git(repo, "add", "a")
        env = {**os.environ, "SKIP": "tracker-branch-name"}
        proc = run(repo, "git", "commit", "-q", "-m", f"{prefix} DEV-1: base", env=env)
        assert proc.returncode == 0, proc.stderr
        assert head_message(repo).startswith(prefix)


def test_detached_head_is_not_blocked_by_branch_check(repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach", "main")
    commit_file(repo, "a", "1", "DEV-5: on a detached head")
    assert head_message(repo).startswith("DEV-5: on a detached head")
    (repo / "a").write_text("2")
    git(repo, "add", "a")
    assert run(repo, "git", "commit", "-q", "-m", "no key").returncode == 1


def test_worktree(repo: Path, tmp_path: Path) -> None:
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "DEV-9-in-worktree", str(wt), "main")
    commit_file(wt, "w", "1", "work in a worktree")
    assert head_message(wt).startswith("DEV-9: work in a worktree")
    git(wt, "checkout", "-q", "-b", "keyless")
    (wt / "w").write_text("2")
    git(wt, "add", "w")
    proc = run(wt, "git", "commit", "-q", "--no-verify", "-m", "x")
    assert proc.returncode == 0
    (wt / "w").write_text("3")
    git(wt, "add", "w")
    env = {**os.environ, "SKIP": "tracker-branch-name"}
    proc = run(wt, "git", "commit", "-q", "-m", "no key in worktree", env=env)
    assert proc.returncode == 1
    saved = git(wt, "rev-parse", "--git-path", SAVED).strip()
    assert "worktrees" in saved
    assert (wt / saved).read_text() == "no key in worktree\n"


def _editor(tmp_path: Path, text: str) -> dict[str, str]:
    """An editor that keeps git's comment lines and writes `text` on top."""
    script = tmp_path / "editor.sh"
    script.write_text(
        f'#!/bin/sh\n{{ printf \'%s\\n\' \'{text}\'; cat "$1"; }} > "$1.new" && mv "$1.new" "$1"\n'
    )
    script.chmod(0o755)
    return {**os.environ, "GIT_EDITOR": str(script)}


def test_comment_char_semicolon_and_auto(repo: Path, tmp_path: Path) -> None:
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-q", "-b", "nokey-branch")
    skip_branch = {**os.environ, "SKIP": "tracker-branch-name"}
    # ';': "#123 is fixed" is a message line, with no key: rejected.
    git(repo, "config", "core.commentChar", ";")
    (repo / "a").write_text("1")
    git(repo, "add", "a")
    proc = run(repo, "git", "commit", env={**skip_branch, **_editor(tmp_path, "#123 is fixed")})
    assert proc.returncode == 1
    assert "references no issue key" in proc.stderr
    env = {**skip_branch, **_editor(tmp_path, "#1 DEV-3 fixed")}
    proc = run(repo, "git", "commit", env=env)
    assert proc.returncode == 0, proc.stderr
    assert head_message(repo).startswith("#1 DEV-3 fixed")
    # 'auto': git sees a message line starting with '#' and comments with another character.
    git(repo, "config", "core.commentChar", "auto")
    (repo / "a").write_text("2")
    git(repo, "add", "a")
    proc = run(repo, "git", "commit", "-e", "-m", "#123 is fixed", env=skip_branch)
    assert proc.returncode == 1
    assert "references no issue key" in proc.stderr
    proc = run(repo, "git", "commit", "-e", "-m", "#123 DEV-3 is fixed", env=skip_branch)
    assert proc.returncode == 0, proc.stderr
    assert head_message(repo).startswith("#123 DEV-3 is fixed")


def test_key_only_in_a_comment_does_not_count(repo: Path, tmp_path: Path) -> None:
    git(repo, "checkout", "-q", "main")
    (repo / "a").write_text("1")
    git(repo, "add", "a")
    env = {**_editor(tmp_path, "plain words\n# DEV-3 in a comment"), "SKIP": "tracker-branch-name"}
    assert run(repo, "git", "commit", env=env).returncode == 1


def test_commit_verbose_diff_is_ignored(repo: Path, tmp_path: Path) -> None:
    git(repo, "checkout", "-q", "main")
    (repo / "a").write_text("DEV-77 appears only in the diff\n")
    git(repo, "add", "a")
    env = {**_editor(tmp_path, "a message without key"), "SKIP": "tracker-branch-name"}
    proc = run(repo, "git", "commit", "-v", env=env)
    assert proc.returncode == 1
    env = {**_editor(tmp_path, "DEV-77: with key"), "SKIP": "tracker-branch-name"}
    assert run(repo, "git", "commit", "-v", env=env).returncode == 0


def test_editor_flow_inserts_key_and_empty_message_still_aborts(repo: Path, tmp_path: Path) -> None:
    (repo / "a").write_text("1")
    git(repo, "add", "a")
    # The user writes nothing: only our "DEV-1: " is there, so the commit is refused.
    proc = run(repo, "git", "commit", env={**os.environ, "GIT_EDITOR": "true"})
    assert proc.returncode == 1
    assert "nothing but the key DEV-1" in proc.stderr
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"
    typing = {**os.environ, "GIT_EDITOR": "sed -i '1s/$/typed in the editor/'"}
    proc = run(repo, "git", "commit", env=typing)
    assert proc.returncode == 0, proc.stderr
    assert head_message(repo).startswith("DEV-1: typed in the editor")


def test_empty_message_is_left_to_git(repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    (repo / "a").write_text("1")
    git(repo, "add", "a")
    proc = run(repo, "git", "commit", "-m", "", env={**os.environ, "SKIP": "tracker-branch-name"})
    assert proc.returncode == 1
    assert "Aborting commit due to empty commit message" in proc.stderr
    assert "tracker-git" not in proc.stderr


def test_crlf_and_non_utf8_messages(repo: Path, tmp_path: Path) -> None:
    (repo / "a").write_text("1")
    git(repo, "add", "a")
    msg = tmp_path / "msg"
    msg.write_bytes(b"caf\xe9 au lait\r\n\r\nbody line\r\n")
    proc = run(repo, "git", "-c", "i18n.commitEncoding=latin1", "commit", "-q", "-F", str(msg))
    assert proc.returncode == 0, proc.stderr
    raw = cast(bytes, run(repo, "git", "cat-file", "commit", "HEAD", text=False).stdout)
    assert b"\nDEV-1: caf\xe9 au lait\n\nbody line\n" in raw
    git(repo, "checkout", "-q", "main")
    (repo / "b").write_text("1")
    git(repo, "add", "b")
    msg.write_bytes(b"\xff\xfe no key\r\n")
    env = {**os.environ, "SKIP": "tracker-branch-name"}
    proc = run(repo, "git", "commit", "-q", "-F", str(msg), env=env)
    assert proc.returncode == 1
    assert "references no issue key" in proc.stderr
    msg.write_bytes(b"\xff\xfe DEV-8: fixed\r\n")
    assert run(repo, "git", "commit", "-q", "-F", str(msg), env=env).returncode == 0


def test_insert_modes(repo: Path) -> None:
    (repo / ".tracker-git.toml").write_text('[hooks]\ninsert = "conventional"\n')
    commit_file(repo, "a", "1", "feat: add login")
    assert head_message(repo).startswith("feat(DEV-1): add login")
    commit_file(repo, "a", "2", "fix(api)!: handle nulls")
    assert head_message(repo).startswith("fix(api)!: DEV-1 handle nulls")
    (repo / ".tracker-git.toml").write_text('[hooks]\ninsert = "trailer"\n')
    commit_file(repo, "a", "3", "plain subject\n\nSigned-off-by: A <a@b>")
    assert head_message(repo) == "plain subject\n\nSigned-off-by: A <a@b>\nRefs: DEV-1\n\n"
    (repo / ".tracker-git.toml").write_text('[hooks]\ninsert = "none"\n')
    (repo / "a").write_text("4")
    git(repo, "add", "a")
    assert run(repo, "git", "commit", "-q", "-m", "no insertion").returncode == 1


def test_queues_restrict_keys(repo: Path) -> None:
    (repo / ".tracker-git.toml").write_text('queues = ["OPS"]\n')
    (repo / "a").write_text("1")
    git(repo, "add", "a")
    proc = run(repo, "git", "commit", "-q", "-m", "DEV-1: wrong queue")
    assert proc.returncode == 1
    assert "queue OPS" in proc.stderr


def test_broken_config_is_reported_with_file_and_key(repo: Path) -> None:
    (repo / ".tracker-git.toml").write_text('[hooks]\ninsert = "sideways"\n')
    (repo / "a").write_text("1")
    git(repo, "add", "a")
    proc = run(repo, "git", "commit", "-q", "-m", "DEV-1: x")
    assert proc.returncode == 1  # git reports any hook failure as 1; the hook exited 2
    assert ".tracker-git.toml: 'hooks.insert' must be one of" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_pre_push_checks_only_new_commits(repo: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "--no-verify", "origin", "main")
    commit_file(repo, "a", "1", "good one")
    assert run(repo, "git", "push", "-q", "origin", "DEV-1-login").returncode == 0
    keyless_commit(repo, "a", "2", "slipped through")
    proc = run(repo, "git", "push", "-q", "origin", "DEV-1-login")
    assert proc.returncode == 1
    assert "1 commit(s) to push reference no valid issue key" in proc.stderr
    assert "slipped through" in proc.stderr
    assert "good one" not in proc.stderr


def test_pre_push_checks_the_branches_being_pushed_not_the_current_one(
    repo: Path, tmp_path: Path
) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "--no-verify", "origin", "main")
    commit_file(repo, "a", "1", "good work")
    git(repo, "checkout", "-q", "-b", "topic", "main")
    assert run(repo, "git", "push", "-q", "origin", "DEV-1-login").returncode == 0
    git(repo, "branch", "nokey", "main")
    git(repo, "checkout", "-q", "main")
    proc = run(repo, "git", "push", "-q", "origin", "nokey")
    assert proc.returncode == 1
    assert "branch 'nokey' carries no issue key" in proc.stderr


def test_refused_install_changes_nothing(tmp_path: Path) -> None:
    from tracker_git import plainhooks
    from tracker_git.core import gitstate
    from tracker_git.core.errors import OperationFailed

    path = make_repo(tmp_path / "r")
    hooks = path / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    for name in ("commit-msg", "commit-msg.tracker-git-legacy"):
        (hooks / name).write_text("#!/bin/sh\nexit 0\n")
    before = sorted(p.name for p in hooks.iterdir())
    try:
        plainhooks.install(gitstate.read_state(str(path)))
    except OperationFailed as exc:
        assert "commit-msg is not ours" in str(exc)
    else:
        raise AssertionError("install should refuse")
    assert sorted(p.name for p in hooks.iterdir()) == before


def test_no_issue_markers_and_wrong_case(repo: Path) -> None:
    """`[hooks] allow_without_key`: a subject starting with a marker needs no key, and the key
    is not put into it; a key in the wrong case is named with its right spelling."""
    (repo / ".tracker-git.toml").write_text('[hooks]\nallow_without_key = ["MINOR", "HOTFIX"]\n')
    commit_file(repo, "a", "1", "MINOR: fix a typo")
    assert head_message(repo) == "MINOR: fix a typo\n\n"  # on DEV-1-login, left alone
    git(repo, "checkout", "-q", "main")
    commit_file(repo, "b", "2", "[HOTFIX] restart the worker")
    assert head_message(repo) == "[HOTFIX] restart the worker\n\n"
    (repo / "c").write_text("3")
    git(repo, "add", "c")
    proc = run(repo, "git", "commit", "-q", "-m", "minor: lower case is no marker")
    assert proc.returncode == 1
    proc = run(repo, "git", "commit", "-q", "-m", "dev-12: fix the login")
    assert proc.returncode == 1
    assert "'dev-12' is not read as a key in that case; write it as DEV-12" in proc.stderr


def test_a_wrong_case_key_is_refused_on_a_keyed_branch_as_on_main(repo: Path) -> None:
    """Not glued behind the branch's key ("DEV-1: ops-905: ..."): the same refusal and advice
    as on a branch without a key."""
    for branch in ("DEV-1-login", "main"):
        git(repo, "checkout", "-q", branch)
        (repo / "a").write_text(branch)
        git(repo, "add", "a")
        proc = run(repo, "git", "commit", "-q", "-m", "ops-905: fix the login form")
        assert proc.returncode == 1, branch
        lines = [line for line in proc.stderr.splitlines() if line.startswith("tracker-git:")]
        assert "'ops-905' is not read as a key in that case; write it as OPS-905" in lines[0]
        saved = (repo / ".git" / SAVED).read_text()
        assert saved.startswith("ops-905: fix the login form")  # kept as typed, no DEV-1
