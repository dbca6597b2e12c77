"""`git tracker release`'s options and edges on a small repository: the status move and the
comment (once), the CI's tag variables, the notes as JSON and from a template, untrusted
summaries, the rights to create a version, shallow clones, and usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testing.repos import commit_file, git, make_repo
from testing.servers import SandboxHandle
from tests.release.helpers import small_repo, tracker


def comments(sb: SandboxHandle, key: str) -> list[str]:
    return [c["text"] for c in sb.state.comments(key)]


def test_status_and_comment_are_written_once(sandbox: SandboxHandle, tmp_path: Path) -> None:
    keys = [sandbox.state.add_issue(f"Review {n}", status="inReview") for n in range(3)]
    config = '[release]\nstatus = "readyForTest"\ncomment = true\n'
    repo = small_repo(tmp_path, keys, config)
    url = "https://example.com/releases/1.1.0"
    done = tracker(sandbox, repo, "release", "--url", url)
    assert done.returncode == 0, done.stderr
    for key in keys:
        issue = sandbox.state.issue(key)
        assert issue is not None and issue["status"] == "readyForTest"
        assert comments(sandbox, key) == [f"Released in 1.1.0: {url}"]
        assert f"{key}: moved to Ready for test, commented, fix version 1.1.0" in done.stderr
    sandbox.clear_requests()
    again = tracker(sandbox, repo, "release", "--url", url)
    assert again.returncode == 0, again.stderr
    assert [
        r for r in sandbox.requests if r["method"] != "GET" and "_search" not in r["path"]
    ] == []
    assert all(comments(sandbox, key) == [f"Released in 1.1.0: {url}"] for key in keys)


def test_a_moved_issue_is_marked_once(sandbox: SandboxHandle, tmp_path: Path) -> None:
    """Commits name an issue by its old key and its new one: Tracker answers both with the
    same issue, which is listed and marked once."""
    key = sandbox.state.add_issue("Moved here", aliases=["DEMO-900"])
    repo = small_repo(tmp_path, ["DEMO-900", key])
    done = tracker(sandbox, repo, "release")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(f"[{key}]") == 1 and "DEMO-900" not in done.stdout
    assert len([r for r in sandbox.requests if r["method"] == "PATCH"]) == 1
    assert "1 issue(s) marked" in done.stderr


def test_a_status_that_needs_a_resolution(sandbox: SandboxHandle, tmp_path: Path) -> None:
    key = sandbox.state.add_issue("Tested", status="readyForTest")
    repo = small_repo(tmp_path, [key], '[release]\nstatus = "closed"\n')
    done = tracker(sandbox, repo, "release")
    assert done.returncode == 2  # a configuration error
    assert "needs a resolution; set [release] resolution (one of: fixed" in done.stderr
    assert "fix the configuration as said above, then run the same command" in done.stderr
    (repo / ".tracker-git.toml").write_text('[release]\nstatus = "closed"\nresolution = "fixed"\n')
    done = tracker(sandbox, repo, "release")
    assert done.returncode == 0, done.stderr
    issue = sandbox.state.issue(key)
    assert issue is not None and (issue["status"], issue["resolution"]) == ("closed", "fixed")


@pytest.mark.parametrize(
    ("env", "url"),
    [
        (
            {"GITHUB_REF_TYPE": "tag", "GITHUB_REF_NAME": "v1.1.0",
             "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "team/app"},
            "https://github.com/team/app/releases/tag/v1.1.0",
        ),
        (
            {"CI_COMMIT_TAG": "v1.1.0", "CI_PROJECT_URL": "https://gitlab.com/team/app"},
            "https://gitlab.com/team/app/-/releases/v1.1.0",
        ),
        ({"BITBUCKET_TAG": "v1.1.0"}, ""),
    ],
)  # fmt: skip
def test_the_tag_and_the_address_come_from_the_ci(
    sandbox: SandboxHandle, tmp_path: Path, env: dict[str, str], url: str
) -> None:
    key = sandbox.state.add_issue("Shipped from CI")
    repo = small_repo(tmp_path, [key], "[release]\ncomment = true\n")
    commit_file(
        repo, "later.txt", "x", f"{key}: after the tag", "--no-verify"
    )  # HEAD is not v1.1.0
    git(repo, "checkout", "-q", "v1.1.0")
    git(repo, "tag", "v9.9.9", "main")  # a tag elsewhere must not be taken
    done = tracker(sandbox, repo, "release", **env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("## 1.1.0\n")
    text = f"Released in 1.1.0: {url}" if url else "Released in 1.1.0."
    assert comments(sandbox, key) == [text]


def test_notes_as_json_and_from_a_template(sandbox: SandboxHandle, tmp_path: Path) -> None:
    bug = sandbox.state.add_issue("Crash on start", type="bug")
    task = sandbox.state.add_issue("New export", type="task")
    repo = small_repo(tmp_path, [bug, task, "DEMO-999"])
    done = tracker(sandbox, repo, "release", "--notes-only", "--json")
    assert done.returncode == 0, done.stderr
    notes = json.loads(done.stdout)
    assert notes["version"] == "1.1.0" and notes["range"] == "v1.0.0..v1.1.0"
    assert [(g["type"], [i["key"] for i in g["issues"]]) for g in notes["groups"]] == [
        ("bug", [bug]), ("task", [task]),
    ]  # fmt: skip
    assert [c["subject"] for c in notes["keyless"]] == ["Update the changelog"]
    assert notes["missing"] == ["DEMO-999"]
    assert "DEMO-999: not found in Tracker" in done.stderr
    assert [
        r for r in sandbox.requests if r["method"] != "GET" and "_search" not in r["path"]
    ] == []

    (repo / "release.md").write_text(
        "# App {version} ({count} issues)\n\n{issues}\n\nAlso:\n{keyless}\n{x}\n"
    )
    git(repo, "add", "release.md")
    git(repo, "commit", "-q", "--no-verify", "-m", "MINOR: release template")
    filled = tracker(sandbox, repo, "release", "v1.0.0..v1.1.0", "--version", "1.1.0",
                     "--notes-only", "--template", "release.md")  # fmt: skip
    assert filled.returncode == 0, filled.stderr
    assert filled.stdout.startswith("# App 1.1.0 (2 issues)\n\n### Bug\n\n")
    assert f"- [{bug}]({sandbox.url}/{bug}) Crash on start" in filled.stdout
    assert "Also:\n- " in filled.stdout and "Update the changelog\n{x}" in filled.stdout


def test_a_template_outside_the_repository_is_refused(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    repo = small_repo(tmp_path, ["DEMO-1"])
    (tmp_path / "outside.md").write_text("{issues}")
    done = tracker(sandbox, repo, "release", "--notes-only", "--template", "../outside.md")
    assert done.returncode == 2
    assert done.stderr.startswith("error: --template") and done.stderr.count("\n") == 1
    assert sandbox.requests == []  # refused before asking Tracker anything


def test_untrusted_summaries_stay_text(sandbox: SandboxHandle, tmp_path: Path) -> None:
    key = sandbox.state.add_issue("[click](https://evil.example) <img src=x>\x1b[31m red")
    repo = small_repo(tmp_path, [key])
    done = tracker(sandbox, repo, "release", "--notes-only")
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if key in x)
    assert "\x1b" not in done.stdout and "](https://evil" not in line
    assert line.count("<img") == line.count("\\<img")
    assert r"\[click\]\(https://evil.example\) \<img src=x\>" in line


def test_creating_a_version_without_the_rights(sandbox: SandboxHandle, tmp_path: Path) -> None:
    sandbox.state.queue("DEMO")["versionAdmin"] = False  # type: ignore[index]
    repo = small_repo(tmp_path, ["DEMO-1"])
    done = tracker(sandbox, repo, "release")
    assert done.returncode == 1
    assert "administration rights" in done.stderr and "Traceback" not in done.stderr
    assert sandbox.state.issue("DEMO-1").get("fixVersions") is None  # type: ignore[union-attr]


def test_a_shallow_clone_is_told_to_fetch_the_history(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    origin = small_repo(tmp_path, ["DEMO-1"])
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "v1.1.0", origin.as_uri(), str(clone))
    done = tracker(sandbox, clone, "release", "--tag", "v1.1.0")
    assert done.returncode == 2 and "shallow" in done.stderr and "fetch-depth: 0" in done.stderr


def test_a_first_release_takes_the_whole_history(sandbox: SandboxHandle, tmp_path: Path) -> None:
    repo = small_repo(tmp_path, ["DEMO-3"])
    git(repo, "tag", "-d", "v1.0.0")
    done = tracker(sandbox, repo, "release", "--notes-only")
    assert done.returncode == 0, done.stderr
    assert "v1.1.0: 4 commit(s)" in done.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ((), "no range to release"),
        (("v1.0.0",), "is not a range"),
        (("v1.0.0..nope",), "'nope' in 'v1.0.0..nope' names no commit"),
        (("v1.0.0..HEAD",), "name the version of v1.0.0..HEAD"),
        (("--json", "--template", "x.md"), "give one of them"),
    ],
)
def test_usage_errors(
    sandbox: SandboxHandle, tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    repo = make_repo(tmp_path / "repo")
    git(repo, "tag", "v1.0.0")
    commit_file(repo, "a.txt", "a", "DEMO-1: a", "--no-verify")
    done = tracker(sandbox, repo, "release", *args)
    assert done.returncode == 2, done.stderr
    assert said in done.stderr and done.stderr.count("\n") == 1


def test_stand_takes_a_range(sandbox: SandboxHandle, tmp_path: Path) -> None:
    """A deploy of several merged pull requests writes the stand into every issue in them:
    one search for all, one edit per issue that lacks it."""
    url = "https://stand-7.example.com"
    keys = [sandbox.state.add_issue(f"Deployed {n}") for n in range(3)]
    sandbox.state.set_field(keys[0], sandbox.stand_field, url)
    repo = small_repo(tmp_path, keys)
    done = tracker(sandbox, repo, "stand", url, "--range", "v1.0.0..v1.1.0")
    assert done.returncode == 0, done.stderr
    for key in keys:
        assert sandbox.state.issue(key)[sandbox.stand_field] == url  # type: ignore[index]
    assert f"{keys[0]}: stand link already set; nothing to do" in done.stderr
    assert len([r for r in sandbox.requests if r["method"] == "PATCH"]) == 2
    assert len([r for r in sandbox.requests if "_search" in r["path"]]) == 1
    assert "in 3 issue(s) of v1.0.0..v1.1.0 (2 changed)" in done.stdout
    both = tracker(sandbox, repo, "stand", url, keys[0], "--range", "v1.0.0..v1.1.0")
    assert both.returncode == 2 and "not both" in both.stderr


def test_dry_run_with_a_status_and_a_comment(sandbox: SandboxHandle, tmp_path: Path) -> None:
    key = sandbox.state.add_issue("Tested", status="readyForTest")
    config = '[release]\nstatus = "closed"\nresolution = "fixed"\ncomment = true\n'
    repo = small_repo(tmp_path, [key], config)
    done = tracker(sandbox, repo, "release", "--dry-run", "--url", "https://example.com/r")
    assert done.returncode == 0, done.stderr
    base = f"{sandbox.url}/v3/issues/{key}"
    assert (
        f'would send: POST {base}/transitions/close/_execute {{"resolution": "fixed"}}'
        in done.stderr
    )
    assert (
        f'would send: POST {base}/comments {{"text": "Released in 1.1.0: https://example.com/r"}}'
        in done.stderr
    )
    assert f"would send: GET {base} (its version after the above)" in done.stderr
    assert f"{key}: would move to closed, would comment, would set fix version 1.1.0" in done.stderr
    assert [
        r for r in sandbox.requests if r["method"] != "GET" and "_search" not in r["path"]
    ] == []
    assert sandbox.state.issue(key)["status"] == "readyForTest"  # type: ignore[index]


def test_hooks_since_leaves_older_commits_out(sandbox: SandboxHandle, tmp_path: Path) -> None:
    """`[hooks] since` names a commit: the commits up to it are not read, as for the hooks."""
    old, new = sandbox.state.add_issue("Before since"), sandbox.state.add_issue("After since")
    repo = small_repo(tmp_path, [old, new])
    since = git(repo, "rev-parse", "HEAD~2").strip()  # the commit naming `old`
    (repo / ".tracker-git.toml").write_text(f'[hooks]\nsince = "{since}"\n')
    done = tracker(sandbox, repo, "release", "--notes-only", "--json")
    assert done.returncode == 0, done.stderr
    listed = [i["key"] for g in json.loads(done.stdout)["groups"] for i in g["issues"]]
    assert listed == [new]


def test_notes_never_go_through_a_link_the_repository_carries(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    """`--output RELEASE.md` in a clone whose RELEASE.md is a committed link to a file in the
    home folder: refused, that file untouched; a path outside the work tree is written."""
    repo = small_repo(tmp_path, ["DEMO-1"])
    victim = tmp_path / "bashrc"
    victim.write_text("precious\n")
    (repo / "RELEASE.md").symlink_to(victim)
    done = tracker(sandbox, repo, "release", "--notes-only", "--output", "RELEASE.md")
    assert done.returncode == 1 and "is a symbolic link" in done.stderr
    assert victim.read_text() == "precious\n"
    outside = tmp_path / "out" / "notes.md"
    outside.parent.mkdir()
    done = tracker(sandbox, repo, "release", "--notes-only", "--output", str(outside))
    assert done.returncode == 0, done.stderr
    assert "DEMO-1" in outside.read_text()
