"""`git tracker doctor`: check configuration, keyring, Tracker, hooks and forge, and say what
to fix. Each check is a small function returning a Finding; one failing check does not stop
the others. Exit 0 when what is configured works, 1 otherwise: what is not set up at all (no
organization for a team that only uses the hooks, no forge token for one that does not use
`pr`) is a note, not a problem."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass

from tracker_git import hookmanagers as managers
from tracker_git import plainhooks
from tracker_git.core import config, git, gitstate, output
from tracker_git.core.config import Config
from tracker_git.core.errors import TrackerGitError
from tracker_git.core.gitstate import RepoState


@dataclass(frozen=True)
class Finding:
    ok: bool
    topic: str
    detail: str  # what was found, or what is wrong and how to fix it
    note: bool = False  # not set up, or works but is not as now installed: shown, not counted


@dataclass
class Context:
    state: RepoState | None
    config: Config | None
    no_token: bool = False  # the token could not be read (then Tracker is not asked)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--offline", action="store_true", help="skip the checks that need the network"
    )


def check_repository(ctx: Context) -> Finding:
    if ctx.state is None:
        return Finding(
            False, "repository", "not inside a git work tree; run doctor from a repository"
        )
    return Finding(
        True, "repository", f"{ctx.state.toplevel} (branch {ctx.state.branch or 'detached'})"
    )


def check_config(ctx: Context) -> Finding:
    try:
        ctx.config = config.load(ctx.state.toplevel if ctx.state else None, warn=False)
    except TrackerGitError as exc:
        return Finding(False, "config", str(exc))
    files = ctx.config.files()
    queues = ", ".join(ctx.config.queues) or "any queue"
    where = ", ".join(files) if files else "no config files, defaults"
    found = f"valid ({where}; queues: {queues})"
    if ctx.config.notes:  # unknown keys, a newer min_version: they work, so a note
        return Finding(True, "config", "\n         ".join([found, *ctx.config.notes]), note=True)
    return Finding(True, "config", found)


def check_organization(ctx: Context) -> Finding:
    if ctx.config is None:
        return Finding(False, "organization", "unknown until the config is fixed")
    org, cloud = ctx.config.tracker.org_id, ctx.config.tracker.cloud_org_id
    if org and cloud:
        return Finding(
            False,
            "organization",
            "both org_id and cloud_org_id are set; keep the one your organization uses",
        )
    if not (org or cloud):
        where = (
            "set [tracker] org_id (Yandex 360) or cloud_org_id (Yandex Cloud), or TRACKER_ORG_ID"
        )
        if ctx.config.hooks.online:
            return Finding(False, "organization", f"none, but [hooks] online needs one; {where}")
        return Finding(
            True,
            "organization",
            f"none: fine for the hooks; for the Tracker commands {where}",
            True,
        )
    header = f"X-Org-ID {org}" if org else f"X-Cloud-Org-ID {cloud}"
    return Finding(True, "organization", header)


def _hooks_only(ctx: Context) -> bool:
    """No organization and no online hook checks: a team that uses only the hooks, which
    need no Tracker."""
    cfg = ctx.config
    return (
        cfg is not None
        and not (cfg.tracker.org_id or cfg.tracker.cloud_org_id)
        and not cfg.hooks.online
    )


def check_token(ctx: Context) -> Finding:
    if ctx.config is None:
        return Finding(False, "token", "unknown until the config is fixed")
    if _hooks_only(ctx):
        return Finding(True, "token", "not checked: no organization (the hooks need none)", True)
    from tracker_git import secrets

    try:
        secrets.tracker_token(ctx.config, timeout=ctx.config.hooks.timeout)
    except TrackerGitError as exc:
        if ctx.config.hooks.online:
            return Finding(False, "token", f"{exc} ([hooks] online needs it)")
        # Offline hooks need no token (a headless machine without a keyring is fine for them).
        ctx.no_token = True
        return Finding(True, "token", f"{exc} (the hooks need none; the Tracker commands do)", True)
    return Finding(True, "token", f"found ({secrets.token_source(ctx.config)})")


def check_tracker(ctx: Context) -> Finding:
    if ctx.config is None:
        return Finding(False, "tracker", "unknown until the config is fixed")
    if _hooks_only(ctx):
        return Finding(True, "tracker", "not checked: no organization (the hooks need none)", True)
    if ctx.no_token:
        return Finding(True, "tracker", "not checked: no token (the hooks need none)", True)
    from tracker_git.account import connect

    api = ctx.config.tracker.api_url
    try:
        me = connect(ctx.config).myself()
    except TrackerGitError as exc:
        return Finding(False, "tracker", f"{api}: {exc}")
    who = me.get("display") or me.get("login") or "?"
    return Finding(True, "tracker", f"{api} answers; you are {who}")


def _hook_row(row: managers.HookRow, before: str | None) -> str:
    if row.runner is None:
        return f"{row.hook_type}: none, so {row.lost}"
    who = f"tracker-git, after {before}" if before else row.runner
    if row.ours:
        return f"{row.hook_type}: {who}"
    return f"{row.hook_type}: {who}, without tracker-git, so {row.lost}"


def check_hooks(ctx: Context) -> Finding:
    if ctx.state is None:
        return Finding(False, "hooks", "no repository")
    rows = managers.table(ctx.state)
    lines = []
    drifted = 0
    for row in rows:
        path = os.path.join(ctx.state.hooks_dir, row.hook_type)
        before = why = None
        if row.runner == "tracker-git":
            before = managers.runner(path + plainhooks.LEGACY_SUFFIX)
            why = plainhooks.drift(row.hook_type, path)
        drifted += why is not None
        fix = f"; {why}: run 'git tracker hooks install'" if why else ""
        lines.append(_hook_row(row, before) + fix)
    detail = "".join(f"\n{'':9}{line}" for line in lines)
    if not any(row.ours for row in rows):
        return Finding(
            False,
            "hooks",
            "tracker-git runs in none: run 'git tracker hooks install' or 'pre-commit install' "
            f"(see 'git tracker init'){detail}",
        )
    missing = [row for row in rows if not row.ours]
    summary = f"tracker-git runs in {len(rows) - len(missing)} of {len(rows)} hook types"
    if any(row.hook_type == "commit-msg" for row in missing):
        # The check itself: without it nothing refuses a message, whatever else runs.
        return Finding(
            False,
            "hooks",
            f"{summary}, not in commit-msg, so messages are not checked: run 'git tracker "
            f"hooks install' (or add tracker-commit-msg to pre-commit){detail}",
        )
    if drifted:
        # They work: a note, as what is not set up is (doctor's problems are what is broken).
        summary += f"; {drifted} not as 'git tracker hooks install' writes them now: run it again"
    return Finding(True, "hooks", summary + detail, note=bool(drifted or missing))


def check_forge(ctx: Context) -> Finding:
    if ctx.state is None or ctx.config is None:
        return Finding(False, "forge", "no repository or config")
    url = git.answer(["remote", "get-url", "origin"], ctx.state.toplevel)
    if url is None:
        return Finding(True, "forge", "no 'origin' remote: 'git tracker pr' needs one", True)
    from tracker_git import forges, secrets, trust

    try:
        remote = forges.detect(url, ctx.config)
    except TrackerGitError as exc:  # a self-hosted server: only 'git tracker pr' needs to know
        return Finding(True, "forge", f"{exc} (only 'git tracker pr' needs it)", note=True)
    try:
        trust.check_forge(remote, ctx.config)
        token = secrets.forge_token(remote.kind, remote.api_url, timeout=ctx.config.hooks.timeout)
    except TrackerGitError as exc:
        return Finding(False, "forge", str(exc))
    if not token:
        return Finding(
            True,
            "forge",
            f"{remote.kind} at {remote.host}, but no token: "
            f"{secrets.forge_token_advice(remote.api_url)} or run "
            f"'git tracker login --forge {remote.kind}' (for 'git tracker pr')",
            note=True,
        )
    return Finding(True, "forge", f"{remote.kind} at {remote.host}, token found")


def check_trust(ctx: Context) -> Finding:
    """Addresses the repository's files name that 'git tracker trust' has not allowed."""
    if ctx.state is None or ctx.config is None:
        return Finding(True, "trust", "no repository files to judge")
    from tracker_git import trust
    from tracker_git.commands.trust import destinations

    root = ctx.state.toplevel
    missing = trust.untrusted(root, list(destinations(root)))
    if missing:
        named = ", ".join(f"{d.setting} = {d.url}" for d in missing)
        return Finding(
            False,
            "trust",
            f"not trusted, so no token goes there: {named}; check them, then run 'git tracker trust'",
        )
    return Finding(True, "trust", "every address the repository's files name is trusted")


OFFLINE_CHECKS: list[Callable[[Context], Finding]] = [
    check_repository,
    check_config,
    check_organization,
    check_trust,
    check_hooks,
]
ONLINE_CHECKS: list[Callable[[Context], Finding]] = [check_token, check_tracker, check_forge]


def run(args: argparse.Namespace) -> int:
    from tracker_git.commands.trust import hold_messenger_secrets

    # Before git starts: check_trust reads the messenger secrets the alerts file names (a
    # broken alerts file is check_trust's to report).
    with contextlib.suppress(TrackerGitError):
        hold_messenger_secrets(None)
    try:
        state: RepoState | None = gitstate.read_state()
    except TrackerGitError:
        state = None
    ctx = Context(state, None)
    checks = OFFLINE_CHECKS + ([] if args.offline else ONLINE_CHECKS)
    failures = 0
    for check in checks:
        try:
            finding = check(ctx)
        except TrackerGitError as exc:
            finding = Finding(False, check.__name__.removeprefix("check_"), str(exc))
        failures += not finding.ok
        if finding.note:
            mark, color = "note", "33"
        elif finding.ok:
            mark, color = "ok", "32"
        else:
            mark, color = "problem", "31;1"
        output.marked(mark, color, f"{finding.topic}: {finding.detail}")
    return 1 if failures else 0
