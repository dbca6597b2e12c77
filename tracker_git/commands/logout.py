"""`git tracker logout`: remove the stored Tracker token (or, with --forge, a forge token)."""

from __future__ import annotations

import argparse

from tracker_git import account, secrets
from tracker_git.commands import _account
from tracker_git.core import output


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _account.add_tracker_options(parser)
    _account.add_forge_options(parser, "remove")


def run(args: argparse.Namespace) -> int:
    if args.forge:
        api = account.forge_api(args.forge, args.host, args.api_url)
        host = secrets.api_host(api)
        removed = secrets.delete_forge_token(args.forge, host)
        name = f"the {args.forge} token for {host}"
        variable = secrets.forge_variable(api)
    else:
        cfg = _account.load_config(args)
        removed = secrets.delete_token(cfg)
        name = f"the Tracker token for {account.where(cfg)}"
        variable = secrets.ENV_TOKEN if secrets.environment_token() else None
    if removed:
        output.result(f"Removed {name} from the keyring.")
    else:
        output.result(f"No stored token: {name} was not in the keyring; nothing to do.")
    if variable:
        output.warn(f"{variable} is still set in this shell and still gives a token")
    return 0
