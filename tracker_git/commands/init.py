"""`git tracker init`: a commented .tracker-git.toml and the pre-commit snippet."""

from __future__ import annotations

import argparse
import os
from collections import Counter

from tracker_git import about, precommit
from tracker_git.core import config, git, gitstate, keys, output, paths
from tracker_git.core.errors import OperationFailed
from tracker_git.core.schema import toml_value

PRE_COMMIT_FILE = ".pre-commit-config.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--queues", help="comma-separated queue keys (default: guessed from history)"
    )
    parser.add_argument(
        "--force", action="store_true", help="overwrite an existing .tracker-git.toml"
    )
    parser.add_argument(
        "--pre-commit",
        action="store_true",
        help=f"also add the hooks to {PRE_COMMIT_FILE} (default: print the snippet)",
    )


def guess_queues(cwd: str, limit: int = 500) -> list[str]:
    """The queues whose keys the last commits reference, most used first."""
    found = git.answer(["log", f"-{limit}", "--format=%B%n%D"], cwd) or ""
    counts = Counter(keys.queue_of(key) for key in keys.find_keys(found))
    return [queue for queue, _ in counts.most_common(5)]


def config_text(
    queues: list[str], since: str | None = None, url: str = "", guessed: bool = False
) -> str:
    listed = ", ".join(f'"{q}"' for q in queues)
    since_line = (
        f'since = "{since}"  # the HEAD when tracker-git came in: push checks skip it and older'
        if since
        else '# since = "2026-01-31"        # a commit or a date: push checks skip older commits'
    )
    return f"""\
# tracker-git settings for this repository ({url}).
# Every key is optional; the values shown are the defaults. `git tracker doctor` checks this file.

# The queues whose keys count; empty: any queue.{" Guessed from history." if guessed else ""}
queues = [{listed}]

[tracker]
# api_url = "https://api.tracker.yandex.net"
# org_id = "1234567"            # Yandex 360 organization (X-Org-ID), or:
# cloud_org_id = "bpf..."       # Yandex Cloud organization (X-Cloud-Org-ID)

[hooks]
# exempt_branches = {toml_value(config.Hooks.exempt_branches.default)}
# insert = "prefix"             # "prefix" (DEV-1: msg), "conventional" (feat(DEV-1): msg), "trailer", "none"
# online = false                # ask Tracker whether the issue exists (cached)
# strict = false                # block, instead of warn, when Tracker cannot be reached
# allow_without_key = []        # no-issue markers: ["MINOR"] lets "MINOR: fix a typo" pass
{since_line}

[statuses]
# start = "inProgress"          # `git tracker start`
# review = "inReview"           # `git tracker pr`
# merged = "readyForTest"       # the relay, on a merged pull request
# declined = "needsRework"

[stand]
# field = "standLink"           # where `git tracker stand URL` writes
""".replace("'", '"')


def run(args: argparse.Namespace) -> int:
    state = gitstate.read_state()
    path = os.path.join(state.toplevel, config.REPO_FILE)
    # Before "--force", which must not follow one, and before anything is written.
    paths.refuse_links(state.toplevel, path)
    if args.pre_commit:
        paths.refuse_links(state.toplevel, os.path.join(state.toplevel, PRE_COMMIT_FILE))
    if os.path.lexists(path) and not args.force:
        raise OperationFailed(f"{path} exists already; edit it, or run 'git tracker init --force'")
    if args.queues:
        queues = [q.strip().upper() for q in args.queues.split(",") if q.strip()]
        bad = [q for q in queues if not q.isascii() or not q.isalpha()]
        if bad:
            raise OperationFailed(f"queue keys are Latin letters only, not {', '.join(bad)}")
    else:
        queues = guess_queues(state.toplevel)
    guessed = not args.queues and bool(queues)
    text = config_text(queues, git.commit("HEAD", state.toplevel), about.project_url(), guessed)
    paths.write_in_work_tree(state.toplevel, path, text)
    config.read_file(path)  # what we wrote must load
    output.info(f"wrote {path}" + (f" (queues: {', '.join(queues)})" if queues else ""))
    url, version = about.project_url(), about.version()
    snippet = precommit.standard_snippet(url, version)
    pre_commit = os.path.join(state.toplevel, PRE_COMMIT_FILE)
    if not args.pre_commit:
        output.info(f"add this to {PRE_COMMIT_FILE}, then run 'pre-commit install':")
        output.result(snippet.rstrip())
        output.info(
            f"where pre-commit cannot clone {url} (an offline mirror), the same as repo: local:"
        )
        output.result(precommit.local_snippet(url, version).rstrip())
        output.info("or, without pre-commit: git tracker hooks install")
    elif os.path.lexists(pre_commit):
        raise OperationFailed(
            f"{pre_commit} exists; merge the snippet printed by 'git tracker init --force' by hand"
        )
    else:
        paths.write_in_work_tree(state.toplevel, pre_commit, snippet)
        output.info(f"wrote {pre_commit}; now run: pre-commit install")
    return 0
