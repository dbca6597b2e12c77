"""`git tracker check branch [NAME] | message FILE | range A..B | pr`: the hooks' checks, for
scripts and CI. Exit 0 when it passes, 1 with the reason when it does not, 2 on a usage
error. `check pr` lives in tracker_git.cigate."""

from __future__ import annotations

import argparse
import os

from tracker_git.core import checks, config, git, gitstate, history, msgfile, output
from tracker_git.core.errors import CheckFailed, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="what", metavar="WHAT", required=True)
    branch = sub.add_parser("branch", help="a branch name (default: the current branch)")
    branch.add_argument("name", nargs="?")
    msg = sub.add_parser("message", help="a commit message file ('-' reads stdin)")
    msg.add_argument("file")
    rng = sub.add_parser("range", help="every commit in a revision range, such as main..HEAD")
    rng.add_argument("range")
    pr = sub.add_parser(
        "pr",
        help="a pull request in CI: title, source branch, every commit (GitHub Actions, "
        "GitLab CI, Bitbucket Pipelines, or the options)",
    )
    pr.add_argument("--title", help="the pull request's title (default: from the CI)")
    pr.add_argument("--description", help="its description (default: from the CI)")
    pr.add_argument("--branch", help="its source branch (default: from the CI)")
    pr.add_argument("--base", help="the target: a branch or commit (default: from the CI)")
    pr.add_argument("--head", help="the last commit (default: from the CI, else HEAD)")
    pr.add_argument("--remote", default="origin", help="where to fetch missing commits from")
    pr.add_argument("--online", action="store_true", help="also ask Tracker the keys exist")
    pr.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report to FILE")
    pr.add_argument(
        "--require-pr",
        action="store_true",
        help="fail (exit 1) in a CI job that is not a pull request's, instead of passing",
    )


def _read(path: str) -> bytes:
    if path == "-":
        import sys

        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}; name a message file") from None


def run(args: argparse.Namespace) -> int:
    if args.what == "pr":
        from tracker_git.cigate import gate

        options = gate.Options(
            title=args.title,
            description=args.description,
            branch=args.branch,
            base=args.base,
            head=args.head,
            remote=args.remote,
            online=args.online,
            junit=args.junit,
            require_pr=args.require_pr,
        )
        return gate.run(options, os.environ)
    state = gitstate.read_state()
    cfg = config.load(state.toplevel)
    config.warn_notes(cfg.notes)  # every run, not only the first after a change (as hooks do)
    if args.what == "branch":
        name = args.name or state.branch
        problem = checks.check_branch(name, cfg)
        key = checks.branch_key(name, cfg)
        if name is None:
            ok = "HEAD is detached: no branch to check"
        else:
            ok = f"branch '{name}' carries {key}" if key else f"branch '{name}' is exempt"
    elif args.what == "message":
        cleaned = msgfile.parse(_read(args.file)).cleaned
        problem = checks.check_message(cleaned, cfg)
        found = checks.message_keys(cleaned, cfg)
        ok = f"the message references {', '.join(found)}" if found else "no key needed"
    else:
        if ".." not in args.range:
            raise UsageError(f"'{args.range}' is not a range; write it as A..B (e.g. main..HEAD)")
        start, _, end = args.range.partition("..")
        for revision in (start.lstrip("."), end.lstrip(".")):
            if git.commit(revision or "HEAD") is None:
                raise UsageError(
                    f"'{revision}' in '{args.range}' names no commit; check the branch or sha (git log --oneline)"
                )
        # The hooks' and `check pr`'s rule: commits from before `[hooks] since` are not judged.
        # The range's start is the target: a date counts on its first-parent history.
        since = history.since_revisions(
            cfg.hooks.since, start.lstrip(".") or "HEAD", state.toplevel
        )
        lines = history.problems([args.range, *since], cfg, os.getcwd())
        problem = (
            "\n".join([f"{len(lines)} commit(s) reference no valid key:", *lines])
            if lines
            else None
        )
        after = f" after [hooks] since = {cfg.hooks.since}" if since else ""
        ok = f"every commit in {args.range}{after} references a key"
    if problem:
        raise CheckFailed(problem)
    output.result(ok)
    return 0
