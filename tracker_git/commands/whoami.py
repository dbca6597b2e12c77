"""`git tracker whoami`: who Tracker says you are, and where the token is kept."""

from __future__ import annotations

import argparse

from tracker_git import account, secrets, trust
from tracker_git.commands import _account
from tracker_git.core import output


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _account.add_tracker_options(parser)


def run(args: argparse.Namespace) -> int:
    cfg = _account.load_config(args)
    trust.check_tracker(cfg)  # before the token is read
    token = secrets.tracker_token(cfg)
    me = account.myself(cfg, token)
    output.result(f"{account.describe_user(me)} on {account.where(cfg)}")
    output.result(f"token: {secrets.token_source(cfg)}")
    return 0
