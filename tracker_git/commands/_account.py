"""The options login, logout and whoami share (the organization and API; the forge and its
host) and the configuration they give (tracker_git.account.load_config)."""

from __future__ import annotations

import argparse

from tracker_git import account
from tracker_git.core import forgekinds
from tracker_git.core.config import Config


def add_tracker_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--org-id", metavar="ID", help="Yandex 360 organization id (X-Org-ID)")
    group.add_argument(
        "--cloud-org-id", metavar="ID", help="Yandex Cloud organization id (X-Cloud-Org-ID)"
    )
    parser.add_argument(
        "--api-url",
        metavar="URL",
        help="Tracker API base (default: [tracker] api_url); with --forge, the forge's API "
        "base (default: the one its host serves)",
    )


def add_forge_options(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument(
        "--forge",
        choices=forgekinds.KINDS,
        help=f"{verb} a forge token (for 'git tracker pr') instead of the Tracker token",
    )
    parser.add_argument(
        "--host",
        metavar="HOST",
        help="the forge's web host (default: "
        + ", ".join(row.web_host for row in forgekinds.FORGES if row.web_host)
        + "; required for "
        + ", ".join(row.kind for row in forgekinds.FORGES if not row.web_host)
        + ")",
    )


def load_config(args: argparse.Namespace) -> Config:
    """The configuration with this command's options on top."""
    return account.load_config(
        api_url=getattr(args, "api_url", None),
        org_id=getattr(args, "org_id", None),
        cloud_org_id=getattr(args, "cloud_org_id", None),
        token_kind=getattr(args, "token_kind", None),
    )
