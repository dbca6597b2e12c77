"""`git tracker release` end to end: the real command in a real repository of hundreds of
commits, against the sandbox (versions, fix versions, faults)."""

from __future__ import annotations

import math
from typing import Any

from testing.servers import SandboxHandle
from tests.release.helpers import QUEUES, World, tracker


def writes(sb: SandboxHandle) -> list[dict[str, Any]]:
    return [r for r in sb.requests if r["method"] != "GET" and "_search" not in r["path"]]


def fix_versions(sb: SandboxHandle, key: str) -> list[str]:
    issue = sb.state.issue(key)
    assert issue is not None
    return [sb.state.versions[str(v)]["name"] for v in issue.get("fixVersions", [])]


def test_a_release_marks_every_issue_once_and_a_rerun_is_a_no_op(world: World) -> None:
    sb = world.sandbox
    done = tracker(sb, world.repo, "release", "--tag", "v2.4.0", "--output", "notes.md")
    assert done.returncode == 0, done.stderr
    # One version per queue, each issue marked once, the issues read in one search per 100.
    assert sorted(v["queue"] for v in sb.state.versions.values()) == sorted(QUEUES)
    patches = [r for r in sb.requests if r["method"] == "PATCH"]
    assert sorted(r["path"].split("?")[0].rsplit("/", 1)[1] for r in patches) == sorted(
        world.released
    )
    searches = [r for r in sb.requests if "_search" in r["path"]]
    assert len(searches) == math.ceil(len(world.released) / 100)
    for key in world.released:
        assert fix_versions(sb, key) == ["2.4.0"], key
    assert fix_versions(sb, world.before) == []  # before v2.3.0, and only behind a marker after
    assert done.stderr.count(": fix version 2.4.0") == len(world.released)

    notes = (world.repo / "notes.md").read_text()
    assert notes.startswith("## 2.4.0\n")
    assert "### Bug" in notes and "### Task" in notes
    for key in world.released:
        assert notes.count(f"[{key}]({sb.url}/{key})") == 1
    issues, keyless = notes.split("### Without an issue", 1)
    assert world.before not in issues and "DEMO-2]" not in issues
    assert all(subject in keyless for subject in world.keyless)
    assert f"MINOR: mention {world.before}" in keyless  # a marked commit: apart, as keyless

    sb.clear_requests()
    again = tracker(sb, world.repo, "release", "--tag", "v2.4.0", "--output", "notes.md")
    assert again.returncode == 0, again.stderr
    assert writes(sb) == []
    assert "already marked; nothing to do" in again.stderr
    assert again.stderr.count("nothing to do") == len(world.released) + 1


def test_existing_fix_versions_stay(world: World) -> None:
    sb = world.sandbox
    made = sb.call("POST", "/v3/versions/", json={"queue": "OPS", "name": "2.3.1"}).json()
    key = next(k for k in world.released if k.startswith("OPS-"))
    sb.call("PATCH", f"/v3/issues/{key}", json={"fixVersions": [made["id"]]})
    done = tracker(sb, world.repo, "release", "v2.3.0..v2.4.0", "--version", "2.4.0")
    assert done.returncode == 0, done.stderr
    assert fix_versions(sb, key) == ["2.3.1", "2.4.0"]


def test_an_outage_midway_is_finished_by_one_rerun(world: World) -> None:
    sb = world.sandbox
    sb.inject(503, times=100000, after=30, method="PATCH")
    failed = tracker(sb, world.repo, "release", "--tag", "v2.4.0", "--output", "notes.md")
    assert failed.returncode == 1, failed.stderr
    last = failed.stderr.strip().splitlines()[-1]
    assert (
        last.startswith("error: 2.4.0: ") and "not done" in last and "run the same command" in last
    )
    marked = [k for k in world.released if fix_versions(sb, k) == ["2.4.0"]]
    assert 30 <= len(marked) < len(world.released)
    for key in set(world.released) - set(marked):
        assert f"{key}: not done" in failed.stderr
    assert (world.repo / "notes.md").exists()  # the notes do not wait for Tracker
    # Once Tracker fails, no new issue is started: only those already under way retried
    # (8 at a time, 4 attempts each), not the 90 left.
    refused = [r for r in sb.requests if r["method"] == "PATCH" and r["status"] == 503]
    assert len(refused) <= 8 * 4
    assert "not done (stopped before it)" in failed.stderr

    sb.clear_faults()
    sb.clear_requests()
    rerun = tracker(sb, world.repo, "release", "--tag", "v2.4.0", "--output", "notes.md")
    assert rerun.returncode == 0, rerun.stderr
    for key in world.released:
        assert fix_versions(sb, key) == ["2.4.0"], key
    patched = {
        r["path"].split("?")[0].rsplit("/", 1)[1] for r in sb.requests if r["method"] == "PATCH"
    }
    assert patched == set(world.released) - set(marked)  # only what was left
    assert len(sb.state.versions) == len(QUEUES)


def test_dry_run_shows_every_request_and_sends_no_write(world: World) -> None:
    sb = world.sandbox
    done = tracker(sb, world.repo, "release", "--tag", "v2.4.0", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert writes(sb) == []
    assert sb.state.versions == {}
    assert done.stderr.count("would send: POST ") == len(QUEUES)  # the versions
    assert done.stderr.count("would send: PATCH ") == len(world.released)
    assert f"sent: POST {sb.url}/v3/issues/_search" in done.stderr
    assert (
        f"2.4.0: would mark {len(world.released)} issue(s), 0 already; would create the version in"
        in done.stderr
    )
    assert "dry run: nothing sent" in done.stderr


def test_no_create_refuses_a_missing_version(world: World) -> None:
    done = tracker(world.sandbox, world.repo, "release", "--tag", "v2.4.0", "--no-create")
    assert done.returncode == 1
    assert "queue DEMO has no version '2.4.0'" in done.stderr and "Traceback" not in done.stderr
    assert writes(world.sandbox) == []
