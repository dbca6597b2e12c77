"""`git tracker trust`: show the addresses this repository's files would send tokens to, and
record that you trust them (the direnv / mise pattern; the rule is in tracker_git/trust.py).

Consent is bound to the repository and to the exact values: a changed address needs trust
again. On a terminal it asks; `--yes` trusts without asking (scripts), `--list` shows what is
trusted, `--revoke` forgets this repository's trust.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from tracker_git import secrets, trust
from tracker_git.core import config, git, gitstate, output
from tracker_git.core.errors import TrackerGitError, UsageError

if TYPE_CHECKING:
    from tracker_git.notify.spec import Spec


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Tokens go to the services' own addresses, to the API of the git remote's host, and to "
        "addresses set in the environment, your user config or on the command line. An "
        "address a repository file names (.tracker-git.toml, .tracker-notify.toml), and a Slack "
        "webhook URL on another server than hooks.slack.com, is used only once you trust it here."
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--yes", action="store_true", help="trust without asking")
    group.add_argument("--list", action="store_true", help="show what you have trusted")
    group.add_argument("--revoke", action="store_true", help="forget this repository's trust")
    parser.add_argument(
        "--file",
        metavar="PATH",
        help="the alerts file, when it is not .tracker-notify.toml at the repository's top",
    )


def run(args: argparse.Namespace) -> int:
    if args.list:
        return _list()
    if not args.revoke:
        hold_messenger_secrets(args.file)  # before git starts
    root = _root(args.file)
    if args.revoke:
        if trust.revoke(root):
            output.result(f"Revoked trust for {root}.")
        else:
            output.info(f"nothing was trusted for {root}")
        return 0
    asked = destinations(root, args.file)
    if not asked:
        output.result(f"{root}: its files name no address of their own; nothing to trust.")
        return 0
    missing = trust.untrusted(root, list(asked))
    for item in asked:
        mark = "new" if item in missing else "trusted"
        output.result(
            f"{mark:>7}  {item.setting} = {item.url}  ({item.file}; the {item.token} token)"
        )
    if not missing:
        output.info("all of these are trusted already")
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(
                "no terminal to ask; check the addresses above, then run 'git tracker trust --yes'"
            )
        answer = output.ask(f"Send these tokens to the addresses above, for {root}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            output.info("not trusted; nothing changed")
            return 1
    path = trust.record(root, missing)
    output.result(f"Trusted {len(missing)} address(es) for {root} (recorded in {path}).")
    return 0


def hold_messenger_secrets(notify_file: str | None) -> None:
    """The variables the alerts file names leave os.environ before git starts (as in
    'notify'): trust and doctor read the Slack webhook URLs among them (destinations), and no
    child is to inherit one."""
    from tracker_git.core import paths
    from tracker_git.notify import spec

    top = paths.work_tree(os.getcwd())
    path = spec.path_for(notify_file, top)
    if os.path.lexists(path):
        secrets.hold(spec.load(path, tree=None if notify_file else top).secret_names)


def _root(notify_file: str | None) -> str:
    """The repository whose files are judged: with --file, the one holding that file."""
    if notify_file:
        return trust.notify_root(notify_file)
    try:
        return gitstate.read_state().toplevel
    except TrackerGitError:
        raise UsageError(
            "not inside a git work tree; run 'git tracker trust' in the repository"
        ) from None


def destinations(root: str, notify_file: str | None = None) -> list[trust.Destination]:
    """Every address this repository's files ask a token to be sent to (and that only trust
    can allow): [tracker] and [forge] api_url, the alerts' Telegram api_url, and the server of
    each Slack webhook URL in the variables the alerts name (where one is set)."""
    from tracker_git.notify import spec

    messengers: list[trust.Destination] = []
    path = spec.path_for(notify_file, root)
    if os.path.lexists(path):  # first: reading a variable holds it from git, started below
        alerts = spec.load(path, tree=None if notify_file else root)
        found = _slack_urls(alerts)
        messengers = trust.messenger_destinations(alerts) + trust.slack_destinations(alerts, found)
    cfg = config.load(root)
    asked = [trust.tracker_destination(cfg), _forge_destination(root, cfg), *messengers]
    return [item for item in asked if item is not None]


def _slack_urls(alerts: Spec) -> dict[str, str]:
    """The Slack webhook URLs the alerts' variables hold (environment, else keyring); one
    that cannot be read is left out (notify says what is wrong with it when it needs it)."""
    from tracker_git.notify.spec import Slack

    found: dict[str, str] = {}
    for alert in alerts.alerts:
        if isinstance(alert.target, Slack):
            try:
                found[alert.target.webhook] = secrets.named_secret(alert.target.webhook) or ""
            except TrackerGitError:
                continue  # a locked keyring, one of our token variables named
    return found


def _forge_destination(root: str, cfg: config.Config) -> trust.Destination | None:
    """[forge] api_url as the repository's file sets it, judged against the 'origin' remote."""
    from tracker_git import forges

    repo_file = trust.repository_file(cfg, config.Forge.api_url)
    if repo_file is None:
        return None
    try:
        url = git.output(["remote", "get-url", "origin"], cwd=root).strip()
        remote = forges.detect(url, cfg, environ={})
    except TrackerGitError:
        url = cfg.forge.api_url.rstrip("/")
        return trust.Destination("forge.api_url", url, repo_file, "forge")
    return trust.forge_destination(remote, cfg)


def _list() -> int:
    records = trust.load_records()
    if not records:
        output.info("nothing is trusted")
        return 0
    for root, settings in sorted(records.items()):
        output.result(root)
        for setting, values in sorted(settings.items()):
            for value in values:
                output.result(f"    {setting} = {value}")
    return 0
