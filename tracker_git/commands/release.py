"""`git tracker release [RANGE]`: the issues a release ships, as release notes (stdout or
--output), and marked in Tracker: the queue's version in each issue's fix versions, optionally
a status ([release] status) and a comment ([release] comment). RANGE, else --tag, the CI's
tag variable or HEAD's tag back to the tag before it (docs/release.md)."""

from __future__ import annotations

import argparse
import json
import os

from tracker_git.core import output, paths
from tracker_git.core.errors import ConfigError, OperationFailed, UsageError
from tracker_git.issue import context
from tracker_git.release import flow, notes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "range", nargs="?", metavar="RANGE",
        help="the commits released, A..B (default: the tag back to the tag before it)",
    )  # fmt: skip
    parser.add_argument("--tag", help="the tag released (default: the CI's tag, else HEAD's)")
    parser.add_argument(
        "--version", dest="release_version", metavar="NAME",
        help="the version's name in Tracker (default: the tag)",
    )  # fmt: skip
    parser.add_argument(
        "--no-create", action="store_true", help="refuse to create a missing version"
    )
    parser.add_argument(
        "--notes-only", action="store_true", help="write the notes; change nothing in Tracker"
    )
    parser.add_argument("--dry-run", action="store_true", help="show every request; send no write")
    parser.add_argument("--json", action="store_true", help="the notes as JSON")
    parser.add_argument(
        "--template", metavar="FILE",
        help="the notes' template: a file of the repository with {version}, {range}, "
        "{issues}, {keyless}, {count}",
    )  # fmt: skip
    parser.add_argument("--output", metavar="FILE", help="write the notes to FILE, not stdout")
    parser.add_argument(
        "--url", help="the release's address for the comment (default: from the CI)"
    )


def _say(line: str) -> None:
    output.info(notes.plain(line))


def run(args: argparse.Namespace) -> int:
    if args.json and args.template:
        raise UsageError("--json and --template both shape the notes; give one of them")
    ctx = context.load()
    if ctx.root is None:
        raise UsageError("not in a git repository; run git tracker release inside one")
    options = flow.Options(
        range=args.range,
        tag=args.tag,
        version=args.release_version,
        create=not args.no_create,
        notes_only=args.notes_only,
        dry_run=args.dry_run,
        template=args.template,
        url=args.url,
    )
    done = flow.release(options, ctx.config, ctx.root, os.environ, ctx.client, _say)
    text = (
        json.dumps(notes.as_json(done.notes), ensure_ascii=False, indent=2)
        if args.json
        else done.text
    )
    if args.output:
        try:
            paths.write_output(ctx.root, args.output, text.rstrip("\n") + "\n")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
    else:
        output.result(text.rstrip("\n"))
    for line in done.plan:
        _say(f"would send: {line}")
    if done.report is None:
        return 0
    if done.report.failed:
        if done.report.config_only:  # exit 2, as for every configuration error
            raise ConfigError(done.report.summary())
        raise OperationFailed(done.report.summary())
    _say(done.report.summary())
    return 0
