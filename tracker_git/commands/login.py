"""`git tracker login`: check a token against Tracker (GET /myself) and keep it in the keyring.

With `--forge KIND` it stores a forge token (for `git tracker pr`) instead. The token comes from
a hidden prompt, or from stdin with `--with-token`; it is never echoed, written to a file or put
on a command line. `--save-org` writes the organization (not a secret) to the user config file.
"""

from __future__ import annotations

import argparse
import sys

from tracker_git import account, secrets, trust
from tracker_git.commands import _account
from tracker_git.commands._prompt import read_hidden
from tracker_git.core import output
from tracker_git.core.config import Config
from tracker_git.core.errors import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--with-token", action="store_true", help="read the token from standard input"
    )
    _account.add_tracker_options(parser)
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
    _account.add_forge_options(parser, "store")
    parser.epilog = (
        "Getting a token: an OAuth token for any organization: register an OAuth app at "
        "https://oauth.yandex.com/client/new with the Tracker permissions tracker:read and "
        "tracker:write, open https://oauth.yandex.com/authorize?response_type=token&client_id="
        "<ClientID> and copy the token. An IAM token (Yandex Cloud organizations only, lives "
        "at most 12 h): 'yc iam create-token', with --token-kind iam. The organization id is "
        "in Tracker, Administration > Organizations: --org-id for Yandex 360, --cloud-org-id "
        "for Yandex Cloud. More in the project's online docs "
        "(commands, 'Getting a token'). "
        "The token is kept in the OS keyring (service 'tracker-git'). On a headless Linux "
        "machine, run gnome-keyring unlocked in a D-Bus session, or set TRACKER_TOKEN instead."
    )


def run(args: argparse.Namespace) -> int:
    if args.forge:
        return _forge(args)
    cfg = _account.load_config(args)
    interactive = sys.stdin.isatty() and not args.with_token
    cfg = _ask_organization(cfg, interactive)
    cfg = _ask_token_kind(cfg, interactive)
    account.check_kind(cfg)
    trust.check_tracker(cfg)  # before the token is asked for, let alone sent
    output.info(f"The token will be checked with, and kept for, {account.where(cfg)}.")
    token = _read_token(args.with_token, "Tracker")
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
    if secrets.environment_token():
        output.warn("TRACKER_TOKEN is set in this shell; it takes precedence over the keyring")
    return 0


def _forge(args: argparse.Namespace) -> int:
    api = account.forge_api(args.forge, args.host, args.api_url)
    host = secrets.api_host(api)
    output.info(f"The {args.forge} token will be sent only to {api}.")
    token = _read_token(args.with_token, f"{args.forge} ({host})")
    stored = secrets.store_forge_token(args.forge, host, token, timeout=account.STORE_TIMEOUT)
    output.result(
        f"Stored the {args.forge} token for {host} in the keyring as tracker-git / {stored}."
    )
    variable = secrets.forge_variable(api)
    if variable:
        output.warn(f"{variable} is set in this shell; it takes precedence over the keyring")
    return 0


def _read_token(with_token: bool, what: str) -> str:
    """The token from stdin (--with-token) or a hidden prompt on the terminal."""
    pipe_it = "... | git tracker login --with-token"
    prompt = f"Paste your {what} token (hidden): "
    return secrets.check_token_text(read_hidden(with_token, f"the {what} token", pipe_it, prompt))


def _ask_organization(cfg: Config, interactive: bool) -> Config:
    """Make sure an organization is known: from the options, environment and files, else
    asked on the terminal."""
    if secrets.organization(cfg):
        return cfg
    if not interactive:
        raise UsageError(
            "no organization: pass --org-id ID (Yandex 360) or --cloud-org-id ID "
            "(Yandex Cloud), or set TRACKER_ORG_ID; it is shown in Tracker under "
            "Administration > Organizations"
        )
    answer = output.ask("Organization id (Tracker > Administration > Organizations): ").strip()
    if not answer:
        raise UsageError("no organization given; pass --org-id or --cloud-org-id")
    return account.with_organization(cfg, answer)


def _ask_token_kind(cfg: Config, interactive: bool) -> Config:
    """For a Yandex Cloud organization, on a terminal, ask OAuth or IAM unless the kind was
    given (option or file)."""
    if not interactive or not account.token_kind_unchosen(cfg):
        return cfg
    answer = output.ask("Token kind, oauth or iam [oauth]: ").strip().lower() or "oauth"
    return account.with_token_kind(cfg, answer)
