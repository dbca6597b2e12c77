"""`git tracker init`: a commented .tracker-git.toml and the pre-commit snippet."""

from __future__ import annotations

import argparse
import os
from collections import Counter

from tracker_git import about, precommit
from tracker_git.core import config, git, gitstate, keys, output, paths
from tracker_git.core.errors import OperationFailed, UsageError
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
    parser.add_argument(
        "--offline-from",
        metavar="WHEEL",
        help="pre-commit's 'repo: local' form, pip installing tracker-git from this wheel "
        "(or source folder) instead of cloning the project's URL: for machines that cannot "
        "reach it (the path is written as an absolute one)",
    )


# A queue is guessed only if at least this share of the recent commits reference it: one-off
# mentions ("ported from COMPRESS-12", "see KAFKA-3") are not the team's queues.
SHARE = 0.1
MIN_COMMITS = 2


def count_queues(cwd: str, limit: int = 500) -> tuple[Counter[str], int]:
    """How many of the last `limit` commits reference each queue (a commit counts once per
    queue), and how many commits were read."""
    found = git.answer(["log", f"-{limit}", "--format=%x00%B"], cwd) or ""
    messages = [text for text in found.split("\0") if text.strip()]
    counts: Counter[str] = Counter()
    for text in messages:
        counts.update({keys.queue_of(key) for key in keys.find_keys(text)})
    return counts, len(messages)


def guess_queues(counts: Counter[str], total: int) -> list[str]:
    """The queues of a meaningful share of the commits (SHARE, MIN_COMMITS), most used first."""
    least = max(MIN_COMMITS, SHARE * total)
    return [queue for queue, count in counts.most_common() if count >= least][:5]


def _counted(counts: Counter[str], queues: list[str]) -> str:
    return ", ".join(f"{queue} {counts[queue]}" for queue in queues)


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
    source = _offline_source(args.offline_from) if args.offline_from else None
    if args.queues:
        queues = [q.strip().upper() for q in args.queues.split(",") if q.strip()]
        bad = [q for q in queues if not keys.is_queue_key(q)]
        if bad:
            raise UsageError(f"--queues: {', '.join(bad)} is not a queue key: {keys.QUEUE_RULE}")
    else:
        counts, total = count_queues(state.toplevel)
        queues = guess_queues(counts, total)
        left = sorted((q for q in counts if q not in queues), key=lambda q: (-counts[q], q))
        output.info(
            f"queues guessed from the last {total} commits (a queue needs keys in at least "
            f"{SHARE:.0%} of them, {MIN_COMMITS} at least): "
            + (_counted(counts, queues) or "none")
            + (f"; left out: {_counted(counts, left[:5])}" if left else "")
            + ("; name them with --queues" if left or not queues else "")
        )
    guessed = not args.queues and bool(queues)
    text = config_text(queues, git.commit("HEAD", state.toplevel), about.project_url(), guessed)
    paths.write_in_work_tree(state.toplevel, path, text)
    config.read_file(path)  # what we wrote must load
    output.info(f"wrote {path}" + (f" (queues: {', '.join(queues)})" if queues else ""))
    url, version = about.project_url(), about.version()
    if source is None:
        snippet, item = precommit.standard_snippet(url, version), precommit.entry(url, version, "")
    else:
        snippet, item = precommit.local_snippet(source), precommit.local_entry(source, "")
    pre_commit = os.path.join(state.toplevel, PRE_COMMIT_FILE)
    if not args.pre_commit:
        # stdout is one YAML document (init > snippet.yaml); the rest is for the person.
        output.info(f"add this to {PRE_COMMIT_FILE}, then run 'pre-commit install':")
        output.result(snippet.rstrip())
        if source is None:
            output.info(
                f"where pre-commit cannot clone {url} (an offline mirror), the same as repo: "
                "local, pip installing tracker-git from a wheel: fill in its path, or run "
                "'git tracker init --force --offline-from WHEEL':\n"
                + precommit.local_snippet(precommit.wheel_placeholder(version)).rstrip()
            )
        output.info("or, without pre-commit: git tracker hooks install")
    elif os.path.lexists(pre_commit):
        _add_to_pre_commit(state.toplevel, pre_commit, item)
    else:
        paths.write_in_work_tree(state.toplevel, pre_commit, snippet)
        output.info(f"wrote {pre_commit}; now run: pre-commit install")
    return 0


def _offline_source(given: str) -> str:
    """--offline-from as pip will be given it: an absolute path (pre-commit runs pip in its own
    folder) to a wheel, an sdist or a source folder that exists."""
    found = os.path.abspath(os.path.expanduser(given))
    is_archive = found.endswith((".whl", ".tar.gz", ".zip"))
    if os.path.isdir(found) or (os.path.isfile(found) and is_archive):
        return found
    raise UsageError(
        f"--offline-from: {given} is not a wheel, an sdist or a folder that exists; name "
        f"tracker-git's wheel (tracker_git-{about.version()}-py3-none-any.whl: pip download "
        "tracker-git, or python -m build --wheel in its source) or its source folder"
    )


def _add_to_pre_commit(top: str, path: str, item: str) -> None:
    """Add our entry `item` to an existing .pre-commit-config.yaml, every byte of it kept;
    where its shape is not one we can add to safely, say exactly what to add and change
    nothing."""
    with open(paths.refuse_links(top, path), "rb") as f:
        original = f.read()
    try:
        text = original.decode("utf-8")
    except UnicodeDecodeError:
        text = ""  # not UTF-8: no shape we can add to safely
    if any(hook_id in text for hook_id, *_ in precommit.HOOKS):
        output.info(f"{path} already lists tracker-git's hooks; unchanged")
        return
    added = precommit.add_entry(text, item) if text else None
    if added is None:
        output.info(
            f"{path}: cannot tell where its 'repos:' list is (flow style, or none); add this "
            "entry under 'repos:' yourself, and the hook types to default_install_hook_types:\n"
            + "".join("  " + line for line in item.splitlines(keepends=True)).rstrip()
            + "\n"
            + precommit.INSTALL_TYPES
        )
        raise OperationFailed(
            f"{path} is unchanged; add the entry above, then run pre-commit install"
        )
    paths.write_in_work_tree(top, path, added)
    output.info(f"added tracker-git's hooks to {path}; now run: pre-commit install")
