"""`git tracker login`: check a token against Tracker (GET /myself) and keep it in the keyring.

With `--forge KIND` it stores a forge token (for `git tracker pr`) instead. The token comes from
a hidden prompt, or from stdin with `--with-token`; it is never echoed, written to a file or put
on a command line. `--save-org` writes the organization (not a secret) to the user config file.
"""

from __future__ import annotations

import argparse
import sys

from tracker_git import account, secrets, trust
from tracker_git.core import output


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--with-token", action="store_true", help="read the token from standard input"
    )
    account.add_tracker_options(parser)
    parser.add_argument(
        "--token-kind",
        choices=("oauth", "iam"),
        help="OAuth token (default) or IAM token (Yandex Cloud organizations only)",
    )
    parser.add_argument(
        "--save-org",
        action="store_true",
        help="also write the organization (and token kind) to your user config file",
    )
    account.add_forge_options(parser, "store")
    parser.epilog = (
        "The token is kept in the OS keyring (service 'tracker-git'). On a headless Linux "
        "machine, run gnome-keyring unlocked in a D-Bus session, or set TRACKER_TOKEN instead."
    )


def run(args: argparse.Namespace) -> int:
    if args.forge:
        return _forge(args)
    cfg = account.load_config(args)
    interactive = sys.stdin.isatty() and not args.with_token
    cfg = account.ask_organization(cfg, interactive)
    cfg = account.ask_token_kind(cfg, interactive)
    account.check_kind(cfg)
    trust.check_tracker(cfg)  # before the token is asked for, let alone sent
    output.info(f"The token will be checked with, and kept for, {account.where(cfg)}.")
    token = account.read_token(args.with_token, "Tracker")
    done = account.login(cfg, token)
    output.result(f"Logged in to {account.where(cfg)} as {done.user}.")
    output.info(
        f"The token is stored in the keyring ({done.backend}) as tracker-git / {done.account}."
    )
    if args.save_org:
        path = account.save_organization(cfg)
        output.info(f"Saved the organization to {path}.")
    elif not account.org_saved(cfg):
        output.info(
            "The organization is not saved anywhere: run again with --save-org, put it into "
            ".tracker-git.toml ([tracker] org_id / cloud_org_id), or set TRACKER_ORG_ID."
        )
    account.warn_environment_token()
    return 0


def _forge(args: argparse.Namespace) -> int:
    api = account.forge_api(args.forge, args.host, args.api_url)
    host = secrets.api_host(api)
    output.info(f"The {args.forge} token will be sent only to {api}.")
    token = account.read_token(args.with_token, f"{args.forge} ({host})")
    stored = secrets.store_forge_token(args.forge, host, token, timeout=account.STORE_TIMEOUT)
    output.result(
        f"Stored the {args.forge} token for {host} in the keyring as tracker-git / {stored}."
    )
    variable = secrets.forge_variable(args.forge)
    if variable:
        output.warn(f"{variable} is set in this shell; it takes precedence over the keyring")
    return 0
