"""`git tracker check pr` as a plain function: find the pull request (CI variables, the
command line), get its commits into the clone, judge it, report.

The base is the target branch's tip as the remote has it now (a full ref, depth.target), and
the rules are those of that tip: `.tracker-git.toml` is read as the target has it, so a pull
request cannot relax the gate it is judged by, nor be judged by rules older than the target's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tracker_git.cigate import depth, report
from tracker_git.cigate.source import Source, detect, from_environment, override
from tracker_git.core import config as config_module
from tracker_git.core import git, gitstate, history, output, paths, prcheck
from tracker_git.core.ciplatforms import BITBUCKET_PIPELINES, GITHUB_ACTIONS
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
    require_pr: bool = False


def gather(options: Options, environ: Mapping[str, str], cwd: str | None = None) -> Source:
    """The pull request to judge: the CI's, with the command line's values in place."""
    try:
        found = from_environment(environ)
    except UsageError:
        if options.base is None:
            raise
        found = Source(detect(environ))  # not a pull request job: the options say it all
    if found.not_a_pr:
        if options.base is None:
            return found
        found = Source(found.ci)  # not a pull request job: the options say it all
    source = override(
        found,
        title=options.title,
        description=options.description,
        branch=options.branch,
        head=options.head,
    )
    if source.number == "" and source.event != "merge_group":
        if options.base is None:
            raise UsageError(
                "no CI pull request found (GitHub Actions, GitLab CI, Bitbucket Pipelines); "
                "name the target with --base (e.g. --base origin/main)"
            )
        if source.branch is None and options.head is None:
            source = override(source, branch=gitstate.read_state(cwd).branch)
    if source.head is None:
        source = override(source, head="HEAD")
    if source.base_branch is None and options.base is None:
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


def _since_at_hand(config: Config, base: str, remote: str, cwd: str | None) -> None:
    """`[hooks] since` may name a commit older than the shallow clone: fetch it then."""
    try:
        history.since_commit(config.hooks.since, base, cwd)
    except ConfigError:
        depth.fetch_quietly(config.hooks.since, remote, cwd)


def _online_verdicts(pr: PullRequest, config: Config, cwd: str | None) -> list[Verdict]:
    """An "issue" verdict per referenced key Tracker does not know. Strict, with the
    Tracker timeout: when Tracker cannot be asked, that is an error, not a pass."""
    from tracker_git.online import TrackerDown, check_address, verify_keys

    # The base commit's file is the repository's too: its address must be one and need trust
    # like the work tree's (exit 2), before the token is read; verify_keys, made for hooks,
    # would only skip with a note.
    check_address(config)
    strict = config.replace(
        {Hooks.strict: True, Hooks.timeout: config.tracker.timeout}, "check pr --online"
    )
    keys = prcheck.keys_of(pr, config, cwd)
    try:
        missing = verify_keys(keys, strict)
    except TrackerDown as exc:  # the hooks' advice (TRACKER_GIT_SKIP) means nothing here
        raise OperationFailed(
            f"cannot check issue keys with Tracker: {exc.reason}; give the job the "
            "TRACKER_TOKEN secret (and TRACKER_ORG_ID or TRACKER_CLOUD_ORG_ID), re-run it if "
            "Tracker was down, or drop --online"
        ) from None
    return [
        Verdict("issue", key, f"Tracker has no issue {key} (or the token cannot see it)")
        for key in missing
    ]


def _bitbucket_texts(source: Source, config: Config) -> Source:
    """Bitbucket Pipelines has no title variable: ask the API when its token variable is set."""
    if source.title is not None or not source.number.isdigit() or not source.repository:
        return source
    from tracker_git import forges, secrets, trust

    remote = forges.detect(
        f"https://{BITBUCKET_PIPELINES.web_host()}/{source.repository}.git", config
    )
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
    if source.not_a_pr:
        return _not_a_pr(source.not_a_pr, options)
    assert source.head is not None
    head = depth.locate(source.head, None, options.remote, source.ci, "head", cwd)
    if options.base is not None:
        base = depth.base(options.base, options.remote, source.ci, cwd)
    else:
        assert source.base_branch is not None
        base = depth.target(source.base_branch, options.remote, source.ci, source.base, cwd)
    depth.make_whole(base, head, options.remote, source.ci, cwd)
    config = base_config(base, cwd)
    exempt = _exemption(source, config)
    if exempt:
        return _pass_exempt(exempt, environ)
    _since_at_hand(config, base, options.remote, cwd)
    if source.ci == BITBUCKET_PIPELINES.name:
        source = _bitbucket_texts(source, config)
    elif source.event == "merge_group":
        output.info(
            "note: a merge queue's group: checking its commits (the title and the branch were "
            "checked on the pull request)"
        )
    elif source.title is None:
        output.info("note: no pull request title given (--title): checking the branch and commits")
    pr = PullRequest(source.title, source.description, source.branch, base, head)
    if config.pr.check == "title":
        if pr.title is None:
            raise UsageError(
                '[pr] check = "title" but this job gives no pull request title; pass it with '
                f"--title (or, on Bitbucket, set {BITBUCKET_PIPELINES.token_variable()})"
            )
        verdicts = prcheck.judge_title(pr, config)
    else:
        verdicts = prcheck.judge(pr, config, cwd)
    if options.online and _online_possible(source):
        verdicts += _online_verdicts(pr, config, cwd)
    if options.junit:
        report.write_junit(options.junit, verdicts)
    return _tell(verdicts, environ)


def _exemption(source: Source, config: Config) -> str:
    """Why the pull request passes unchecked, by the target's rules; "" when it does not."""
    if source.author and source.author in config.pr.exempt_authors:
        return f"the pull request is by {source.author}, exempt by [pr] exempt_authors"
    if source.draft and config.pr.drafts == "skip":
        return 'the pull request is a draft ([pr] drafts = "skip"); it is checked once ready'
    return ""


def _pass_exempt(reason: str, environ: Mapping[str, str]) -> int:
    output.result(f"{reason}: nothing to check")
    if GITHUB_ACTIONS.runs_here(environ):
        _github_files(environ, [], reason)
    return 0


def _online_possible(source: Source) -> bool:
    """A pull request from a fork (or by Dependabot) runs without the repository's secrets:
    no token there is a note, and the offline checks still count."""
    from tracker_git import secrets

    if secrets.environment_token() or not (source.fork or source.author == "dependabot[bot]"):
        return True
    output.info(
        "note: no TRACKER_TOKEN in this run (pull requests from forks and by Dependabot get no "
        "secrets): the keys were not looked up in Tracker, the other checks stand"
    )
    return False


def rules_link() -> str:
    """Where the rules `check pr` applies are written, for this very version."""
    from tracker_git import about

    return f"{about.project_url()}/blob/v{about.version()}/docs/enforcement.md#git-tracker-check-pr"


def _tell(verdicts: list[Verdict], environ: Mapping[str, str]) -> int:
    """Say the verdicts where the CI shows them; 0 when they all pass, else 1."""
    failed = [v for v in verdicts if v.problem]
    commits = sum(1 for v in verdicts if v.what == "commit")
    if failed:
        summary = f"{len(failed)} problem(s) in the pull request"
        advice = (
            "; fix them and push again (reword commits with 'git rebase -i', rename the "
            f"branch, edit the title); the rules: {rules_link()}"
        )
    else:
        summary = f"the pull request passes: {_judged(verdicts)}, {commits} commit(s)"
        advice = ""
    if GITHUB_ACTIONS.runs_here(environ):
        _github_files(environ, verdicts, summary)
    if not failed:
        output.result(summary)
        return 0
    if GITHUB_ACTIONS.runs_here(environ):
        for line in report.github_annotations(failed, summary + advice):
            output.result(line)
    else:
        for verdict in failed:
            output.error(report.plain(verdict))
        output.info(summary + advice)
    return 1


def _github_files(environ: Mapping[str, str], verdicts: list[Verdict], summary: str) -> None:
    """The step summary's table and the step's outputs, where the runner says to put them."""
    for role in ("step_summary", "output"):
        variable = GITHUB_ACTIONS.var(role)
        path = environ.get(variable)
        if not path:
            continue
        if role == "output":
            text = report.outputs(verdicts)
        else:
            text = report.step_summary(verdicts, summary, rules_link())
        try:
            with open(path, "a", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            output.warn(f"cannot write {variable} {path} ({exc.strerror}); the verdict stands")


def _not_a_pr(reason: str, options: Options) -> int:
    """A job with no pull request (a push, a schedule): nothing to judge. A pass, unless
    --require-pr says that such a job is a mistake."""
    if options.require_pr:
        output.error(
            f"{reason}, and 'git tracker check pr' checks pull requests only (--require-pr); "
            "run it on pull requests (GitHub: on: pull_request and merge_group)"
        )
        return 1
    output.result(
        f"{reason}: 'git tracker check pr' checks pull requests only, nothing to check "
        "(--require-pr makes this a failure)"
    )
    return 0


def _judged(verdicts: list[Verdict]) -> str:
    parts = [report.label(v) for v in verdicts if v.what in ("title", "branch")]
    return ", ".join(parts) if parts else "no title or branch given"
