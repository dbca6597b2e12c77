"""`git tracker pr`: open or update the pull request of the current branch (tracker_git.pr)."""

from __future__ import annotations

import argparse

from tracker_git.core import output


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--title", help="the title (default: '[pr] title', KEY: summary)")
    parser.add_argument(
        "--base", metavar="BRANCH", help="the branch to merge into (default: the remote's default)"
    )
    parser.add_argument("--draft", action="store_true", help="open it as a draft")
    parser.add_argument(
        "--no-edit", dest="edit", action="store_false", help="do not open the editor"
    )
    parser.add_argument(
        "--web", action="store_true", help="open the forge's create page instead, prefilled"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the requests it would send; change nothing"
    )
    push = parser.add_mutually_exclusive_group()
    push.add_argument(
        "--push", dest="push", action="store_true", default=None,
        help="push the branch when the remote lacks it, without asking",
    )  # fmt: skip
    push.add_argument("--no-push", dest="push", action="store_false", help="never push the branch")
    parser.add_argument(
        "--remote", default="origin", help="the git remote of the forge (default: origin)"
    )
    parser.add_argument(
        "--recover", metavar="FILE", help="finish a failed run with the text it saved in FILE"
    )


def _confirm(question: str) -> bool:
    """The push question on the terminal; Enter means yes."""
    answer = output.ask(f"{question} [Y/n] ").strip().lower()
    return answer in ("", "y", "yes")


def run(args: argparse.Namespace) -> int:
    from tracker_git.pr import flow

    options = flow.Options(
        remote=args.remote,
        base=args.base,
        title=args.title,
        draft=args.draft,
        edit=args.edit,
        web=args.web,
        dry_run=args.dry_run,
        push=args.push,
        recover=args.recover,
    )
    # The real effects (editor, browser, terminal, clock), with this command's prompt.
    result = flow.run(options, flow.Effects(confirm=_confirm))
    for line in result.plan:
        output.result(line)
    if not result.plan:
        output.result(result.url)
    return 0
