"""Helpers of the release tests. A repository with hundreds of commits between two tags, keys of three queues in them
(merge commits carrying pull request titles, keyless commits, no-key markers), built with
`git fast-import` in one process; the sandbox holds the issues."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from testing.repos import commit_file, git, make_repo
from testing.servers import SandboxHandle

GIT_TRACKER = str(Path(sys.executable).with_name("git-tracker"))
QUEUES = ("DEMO", "OPS", "WEB")
PER_QUEUE = 40  # issues per queue in the release


@dataclass
class World:
    repo: Path
    sandbox: SandboxHandle
    released: list[str]  # the keys the release must mark, each once
    before: str  # a key only in commits before the previous tag
    keyless: list[str]  # subjects of the keyless commits in the release


def tracker(
    sb: SandboxHandle, repo: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ)
    environ.update(sb.env, **env)
    return subprocess.run(
        [GIT_TRACKER, *args], cwd=repo, env=environ, capture_output=True, text=True, timeout=300
    )


def _stream(messages: list[tuple[str, bool]], start_mark: int, parent: str) -> tuple[str, str]:
    """fast-import commands for `messages` (text, is a merge) on refs/heads/main after
    `parent`; a merge gets a side commit as its second parent."""
    out = []
    mark = start_mark
    previous = parent
    when = 1767225600
    for n, (text, merge) in enumerate(messages):
        data = text.encode()
        side = ""
        if merge:
            mark += 1
            side = f":{mark}"
            body = b"side work"
            out.append(
                f"commit refs/heads/side\nmark {side}\n"
                f"author A <a@example.com> {when + n} +0000\n"
                f"committer A <a@example.com> {when + n} +0000\n"
                f"data {len(body)}\n{body.decode()}\nfrom {previous}\n"
                f"M 644 inline side-{n}.txt\ndata 2\n{n % 10}\n\n"
            )
        mark += 1
        out.append(
            f"commit refs/heads/main\nmark :{mark}\n"
            f"author A <a@example.com> {when + n} +0000\n"
            f"committer A <a@example.com> {when + n} +0000\n"
            f"data {len(data)}\n{text}\nfrom {previous}\n"
            + (f"merge {side}\n" if merge else "")
            + f"M 644 inline file-{n % 50}.txt\ndata {len(str(n)) + 1}\n{n}\n\n"
        )
        previous = f":{mark}"
    return "".join(out), previous


def build_history(repo: Path, before: list[str], release: list[tuple[str, bool]]) -> None:
    """`before` up to tag v2.3.0, then `release` up to tag v2.4.0, on main."""
    head = git(repo, "rev-parse", "HEAD").strip()
    first, tip = _stream([(m, False) for m in before], 1, head)
    second, end = _stream(release, 100000, tip)
    stream = f"{first}reset refs/tags/v2.3.0\nfrom {tip}\n\n{second}reset refs/tags/v2.4.0\nfrom {end}\n\n"
    subprocess.run(
        ["git", "fast-import", "--quiet", "--force"], cwd=repo, input=stream.encode(), check=True
    )
    git(repo, "reset", "-q", "--hard", "main")


def small_repo(tmp_path: Path, keys: list[str], config: str = "") -> Path:
    """Tag v1.0.0, then a commit per key and one without, tag v1.1.0."""
    repo = make_repo(tmp_path / "repo")
    (repo / ".tracker-git.toml").write_text(config)
    git(repo, "add", ".tracker-git.toml")
    git(repo, "commit", "-q", "-m", "configure tracker-git")
    git(repo, "tag", "v1.0.0")
    for n, key in enumerate(keys):
        commit_file(repo, f"f{n}.txt", str(n), f"{key}: change {n}", "--no-verify")
    commit_file(repo, "notes.txt", "x", "Update the changelog", "--no-verify")
    git(repo, "tag", "v1.1.0")
    return repo
