"""`git tracker check pr` as a plain function: find the pull request (CI variables, the
command line), get its commits into the clone, judge it, report.

The rules are those of the base: `.tracker-git.toml` is read as the base commit has it, so
a pull request cannot relax the gate it is judged by.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass

from tracker_git.cigate import depth, report
from tracker_git.cigate.source import Source, detect, from_environment, override
from tracker_git.core import config as config_module
from tracker_git.core import git, gitstate, history, output, paths, prcheck
from tracker_git.core.config import Config, Hooks
from tracker_git.core.errors import ConfigError, OperationFailed, UsageError
from tracker_git.core.prcheck import PullRequest, Verdict

# A config file larger than this is not a config file (core.config reads from disk alike).
MAX_CONFIG = config_module.MAX_FILE_BYTES
# Where the base's .tracker-git.toml is written to be read (under the git dir).
BASE_CONFIG = "tracker-git/base-config.toml"


@dataclass(frozen=True)
class Options:
    """The command line: what it names (None: take it from the CI), and how to run."""

    title: str | None = None
    description: str | None = None
    branch: str | None = None
    base: str | None = None
    head: str | None = None
    remote: str = "origin"
    online: bool = False
    junit: str | None = None


def gather(options: Options, environ: Mapping[str, str], cwd: str | None = None) -> Source:
    """The pull request to judge: the CI's, with the command line's values in place."""
    try:
        found = from_environment(environ)
    except UsageError:
        if options.base is None:
            raise
        found = Source(detect(environ))  # not a pull request job: the options say it all
    source = override(
        found,
        title=options.title,
        description=options.description,
        branch=options.branch,
        base=options.base,
        head=options.head,
    )
    if source.number == "":
        if source.base is None:
            raise UsageError(
                "no CI pull request found (GitHub Actions, GitLab CI, Bitbucket Pipelines); "
                "name the target with --base (e.g. --base origin/main)"
            )
        if source.branch is None and options.head is None:
            source = override(source, branch=gitstate.read_state(cwd).branch)
    if source.head is None:
        source = override(source, head="HEAD")
    if source.base is None:
        raise UsageError(f"the {source.ci} job names no target branch; name it with --base")
    return source


def base_config(base: str, cwd: str | None = None) -> Config:
    """The configuration with the repository file as the base commit has it (the user's
    file and the environment still count, as with `config.load`). The file is written under
    the git dir (`tracker-git/base-config.toml`) and read from there."""
    state = gitstate.read_state(cwd)
    code, out, _ = git.run(["cat-file", "blob", f"{base}:{config_module.REPO_FILE}"], cwd)
    if code != 0:  # the base has no such file
        return config_module.load(None)
    if len(out) > MAX_CONFIG:
        raise ConfigError(f"{config_module.REPO_FILE} at {base[:10]}: larger than 1 MiB")
    path = state.git_path(BASE_CONFIG)
    try:
        paths.write_private(path, out)
    except OSError as exc:
        raise OperationFailed(f"cannot write {path} ({exc.strerror}); check the clone") from None
    return config_module.load(state.toplevel, repo_file=path)


def _since_at_hand(config: Config, remote: str, cwd: str | None) -> None:
    """`[hooks] since` may name a commit older than the shallow clone: fetch it then."""
    try:
        history.since_revisions(config.hooks.since, cwd)
    except ConfigError:
        depth.fetch_quietly(config.hooks.since, remote, cwd)


def _online_verdicts(pr: PullRequest, config: Config, cwd: str | None) -> list[Verdict]:
    """An "issue" verdict per referenced key Tracker does not know. Strict, with the
    Tracker timeout: when Tracker cannot be asked, that is an error, not a pass."""
    from tracker_git.online import check_address, verify_keys

    # The base commit's file is the repository's too: its address must be one and need trust
    # like the work tree's (exit 2), before the token is read; verify_keys, made for hooks,
    # would only skip with a note.
    check_address(config)
    strict = config.replace(
        {Hooks.strict: True, Hooks.timeout: config.tracker.timeout}, "check pr --online"
    )
    keys = prcheck.keys_of(pr, config, cwd)
    return [
        Verdict("issue", key, f"Tracker has no issue {key} (or the token cannot see it)")
        for key in verify_keys(keys, strict)
    ]


def _bitbucket_texts(source: Source, config: Config) -> Source:
    """Bitbucket Pipelines has no title variable: ask the API when BITBUCKET_TOKEN is set."""
    if source.title is not None or not source.number.isdigit() or not source.repository:
        return source
    from tracker_git import forges, secrets, trust

    remote = forges.detect(f"https://bitbucket.org/{source.repository}.git", config)
    if secrets.forge_variable(remote.api_url) is None:
        output.info(
            "note: Bitbucket Pipelines does not give the pull request's title; "
            f"{secrets.forge_token_advice(remote.api_url)} as a secured variable to check it "
            "too (checking the branch and commits only)"
        )
        return source
    trust.check_forge(remote, config)  # the base commit's [forge] api_url, before the token
    token = secrets.forge_token(remote.kind, remote.api_url) or ""
    pr = forges.client_for(remote, token).get(int(source.number))
    return override(source, title=pr.title, description=pr.body)


def run(options: Options, environ: Mapping[str, str], cwd: str | None = None) -> int:
    """Judge the pull request and report; 0 when it passes, 1 when something does not."""
    source = gather(options, environ, cwd)
    assert source.head is not None and source.base is not None
    head = depth.locate(source.head, None, options.remote, source.ci, "head", cwd)
    base = depth.locate(source.base, source.base_branch, options.remote, source.ci, "base", cwd)
    depth.make_whole(base, head, options.remote, source.ci, cwd)
    config = base_config(base, cwd)
    _since_at_hand(config, options.remote, cwd)
    if source.ci == "bitbucket-pipelines":
        source = _bitbucket_texts(source, config)
    elif source.title is None:
        output.info("note: no pull request title given (--title): checking the branch and commits")
    pr = PullRequest(source.title, source.description, source.branch, base, head)
    verdicts = prcheck.judge(pr, config, cwd)
    if options.online:
        verdicts += _online_verdicts(pr, config, cwd)
    if options.junit:
        report.write_junit(options.junit, verdicts)
    failed = [v for v in verdicts if v.problem]
    commits = sum(1 for v in verdicts if v.what == "commit")
    if not failed:
        output.result(f"the pull request passes: {_judged(verdicts)}, {commits} commit(s)")
        return 0
    on_github = environ.get("GITHUB_ACTIONS") == "true"
    for verdict in failed:
        if on_github:
            sys.stdout.write(report.github_annotation(verdict) + "\n")
        else:
            output.error(report.plain(verdict))
    output.info(
        f"{len(failed)} problem(s) in the pull request; fix them and push again "
        "(reword commits with 'git rebase -i', rename the branch, edit the title)"
    )
    return 1


def _judged(verdicts: list[Verdict]) -> str:
    parts = [report.label(v) for v in verdicts if v.what in ("title", "branch")]
    return ", ".join(parts) if parts else "no title or branch given"
