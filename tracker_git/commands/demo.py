"""`git tracker demo`: the whole flow against the sandbox, in a throwaway repository."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--keep", action="store_true", help="keep the throwaway repository")


def run(args: argparse.Namespace) -> int:
    from tracker_git.demo import run_demo

    return run_demo(keep=args.keep)
