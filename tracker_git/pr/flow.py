"""`git tracker pr`: open or update the branch's pull request, filled from its issue, then move
the issue to review and leave one comment with the pull request's address.

The order of work, and why:

1. Local facts (branch, key, remote, forge, tokens): no network.
2. The issue (with its transitions: `expand=transitions`) and the branch's open pull request
   are fetched at the same time (two threads): neither needs the other. The remote's default
   branch comes from git's own refs/remotes/REMOTE/HEAD when it has one, else from the forge
   in that same round.
3. The description is rendered (or merged into the open pull request's current text) and the
   user edits it. From the moment the editor closes, any failure saves the text to a recover
   file and says the one command that finishes the job (`--recover FILE`).
4. Push when the remote lacks the branch, then create or update (never a second PR). When
   updating, whether the issue already mentions the pull request is read meanwhile.
5. The status move (one POST: the transition is known) and the comment run side by side. A
   new pull request's address cannot be in any comment yet, so none are read then.

What reaches the person (the push question, the editor, the browser) and the clock (the
time, the waits between attempts) are `Effects`, given by the command: tests run the whole flow in-process with stand-ins for the
person, against real git repositories and loopback servers.

A new pull request: 5 requests, 3 sequential round trips (issue | pull requests; create;
transition | comment). An update of one already mentioned: 4 requests, 2 round trips.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker_git.core import config as configuration
from tracker_git.core import keys, output
from tracker_git.core.browser import open_address
from tracker_git.core.errors import OperationFailed, TrackerGitError, UsageError
from tracker_git.pr import editor, gitrepo, recover, review, template

if TYPE_CHECKING:
    from tracker_git.core.config import Config
    from tracker_git.forges import Forge, ForgeRemote, PullRequest
    from tracker_git.tracker.client import TrackerClient

PENDING_URL = "<the new pull request's URL>"


@dataclass(frozen=True)
class Options:
    remote: str = "origin"
    base: str | None = None
    title: str | None = None
    draft: bool = False
    edit: bool = True
    web: bool = False
    dry_run: bool = False
    push: bool | None = None  # None: ask on a terminal, push otherwise
    recover: str | None = None
    cwd: str = "."


def is_interactive() -> bool:
    """Whether someone at a terminal can answer a question (stdin and stderr are terminals)."""
    return sys.stdin.isatty() and sys.stderr.isatty()


def open_in_browser(url: str) -> bool:
    """The real browser: the forge gave the address, so only an http(s) one is opened.
    run() scrubbed the token variables first: the browser inherits none."""
    return open_address(
        url, advice="the forge gave it as the pull request's page; open that page yourself"
    )


@dataclass(frozen=True)
class Effects:
    """What the flow does to the person at the keyboard, and the clock: the real ones by
    default. The command passes its terminal prompt as `confirm`; tests pass stand-ins for
    the person (answers, a typist, a recording browser) and a fixed clock. Git, HTTP and
    files are never replaced: tests run them against temporary repositories and loopback
    servers."""

    confirm: Callable[[str], bool] | None = None  # a yes/no question; None: nobody to ask
    is_interactive: Callable[[], bool] = is_interactive  # whether anyone can answer now
    edit: Callable[[str, str], str] = editor.edit  # (text, cwd): the text as the user left it
    browser: Callable[[str], bool] = open_in_browser  # whether a browser took the address
    clock: Callable[[], float] = time.time  # names and ages recover files
    sleep: Callable[[float], None] = time.sleep  # the waits between attempts of a request


@dataclass(frozen=True)
class Result:
    url: str  # the pull request's address (--web: the page that creates it)
    created: bool
    plan: tuple[str, ...] = ()  # --dry-run: the requests it would send, described


@dataclass(frozen=True)
class _Context:
    root: str
    branch: str
    key: str
    config: Config
    remote: ForgeRemote


@dataclass(frozen=True)
class _Run:
    """One run once its facts are gathered: the local ones, what was asked, the forge (None
    with --web and no token), Tracker, the issue, the branch's open pull request and the base.
    The steps below take it, and the title and description, which change as they go."""

    ctx: _Context
    options: Options
    forge: Forge | None
    tracker: TrackerClient
    view: review.IssueView
    existing: PullRequest | None
    base: str
    effects: Effects


def title_from(pattern: str, key: str, summary: str) -> str:
    return pattern.replace("{key}", key).replace("{summary}", summary).strip()


def _context(options: Options) -> _Context:
    from tracker_git.forges import detect

    root = gitrepo.toplevel(options.cwd)
    branch = gitrepo.current_branch(root)
    config = configuration.load(root)
    key = keys.key_from_branch(branch, config.queues)
    if key is None:
        raise UsageError(
            f"branch '{branch}' carries no issue key; its name needs "
            f"{keys.describe_queues(config.queues)}: rename it "
            f"(git branch -m {branch} DEV-123-{branch}) or switch to the issue's branch"
        )
    url = gitrepo.remote_url(root, options.remote)
    return _Context(root, branch, key, config, detect(url, config))


def _forge(remote: ForgeRemote, config: Config, required: bool) -> Forge | None:
    from tracker_git import secrets, trust
    from tracker_git.core.forgekinds import forge_kind
    from tracker_git.forges import client_for

    trust.check_forge(remote, config)  # before the token is even read
    host = secrets.api_host(remote.api_url)  # a stored token is for the host it goes to
    token = secrets.forge_token(remote.kind, remote.api_url)
    if not token:
        if not required:
            return None
        row = forge_kind(remote.kind)
        login = f"git tracker login --forge {remote.kind}"
        if host != secrets.api_host(remote.own_api_url or remote.api_url):
            login += f" --api-url {remote.api_url}"
        elif remote.host != row.web_host:
            login += f" --host {remote.host}"
        raise UsageError(
            f"no {row.name} token for {host}; {secrets.forge_token_advice(remote.api_url)}, "
            f"or store one with '{login}'"
        )
    return client_for(remote, token)


def run(options: Options, effects: Effects = Effects()) -> Result:
    """Do it. `effects.confirm` asks whether to push when someone is at the terminal (else
    the branch is pushed)."""
    from tracker_git import secrets

    secrets.scrub_environment()  # no child (editor, git, hooks, browser) inherits a token
    ctx = _context(options)
    from tracker_git.account import connect

    # Both clients close their sessions (pooled connections) however the run ends.
    with contextlib.ExitStack() as clients:
        forge = _forge(ctx.remote, ctx.config, required=not options.web)
        if forge is not None:
            clients.enter_context(forge)
            forge.sleep = effects.sleep
        tracker = clients.enter_context(connect(ctx.config, sleep=effects.sleep))
        return _with_clients(ctx, options, forge, tracker, effects)


def _with_clients(
    ctx: _Context,
    options: Options,
    forge: Forge | None,
    tracker: TrackerClient,
    effects: Effects,
) -> Result:
    view, existing, base = _gather(ctx, options, tracker, forge)
    job = _Run(ctx, options, forge, tracker, view, existing, base, effects)
    issue = view.issue
    key = issue.key or ctx.key  # an issue moved to another queue answers with its new key
    facts = template.Facts(
        key=key,
        summary=issue.summary,
        url=issue.url,
        status=issue.status_display,
        assignee=issue.assignee_display,
        commits=gitrepo.commits(ctx.root, options.remote, base),
        stand=review.stand_link(issue, ctx.config.stand.field),
    )
    text = template.load_template(ctx.config.pr.template, ctx.root)
    if options.recover:
        title, body = recover.load(options.recover, ctx.key)
    elif existing is not None:
        # A title people changed on the forge stays theirs; the block is refreshed in the
        # description the pull request has now, so edits made there are kept.
        title = options.title or existing.title
        body = template.merge(existing.body, text, facts)
    else:
        title = options.title or title_from(ctx.config.pr.title, key, issue.summary)
        body = template.render(text, facts)

    if options.web:
        return _web(job, title, body)
    if options.dry_run:
        return _plan(job, title, body)
    if options.edit and not options.recover:
        title, body = _edit(job, title, body)

    assert forge is not None
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            # An open pull request's address is known already: whether the issue mentions it
            # is read while the forge updates it.
            known = existing.url if existing is not None else ""
            seen = pool.submit(review.mentions, tracker, ctx.key, known) if known else None
            pr, created = _send(job, title, body)
            mentioned = seen.result() if seen is not None and pr.url == known else None
        status = ctx.config.statuses.review
        for line in review.mark_review(tracker, view, status, pr.url, created, mentioned):
            output.info(line)
    except BaseException as exc:
        # Text the user typed in the editor is their work: keep it whatever happened. Text
        # made from the issue alone (--no-edit) is made again by running the command again,
        # so no file is left behind for it.
        hint = (
            "nothing typed is lost: run 'git tracker pr --no-edit' (with the same options) "
            "again once that is fixed; it finds the pull request if one was made"
        )
        try:
            if options.edit or options.recover:
                path = options.recover or recover.save(ctx.key, title, body, effects.clock())
                hint = f"your title and description are kept: {recover.command(path)}"
        except (OSError, OperationFailed) as saving:
            reason = getattr(saving, "strerror", None) or str(saving)
            hint = (
                f"your title and description could not be saved ({reason}); "
                f"here they are:\n{title}\n\n{body}"
            )
        if isinstance(exc, TrackerGitError):
            kept = OperationFailed(f"{exc}; {hint}")
            kept.exit_code = exc.exit_code
            raise kept from None
        output.info(hint)
        raise
    if options.recover:
        recover.discard(options.recover)
    return Result(pr.url, created)


def _gather(
    ctx: _Context, options: Options, tracker: TrackerClient, forge: Forge | None
) -> tuple[review.IssueView, PullRequest | None, str]:
    """The issue, the open pull request of the branch and the base branch, read side by side."""
    base = options.base or gitrepo.local_default_branch(ctx.root, options.remote)
    output.info(f"{ctx.key}: reading the issue and the open pull requests of {ctx.branch}")
    with ThreadPoolExecutor(max_workers=2) as pool:
        issue_job = pool.submit(review.read_issue, tracker, ctx.key)
        pr_job = pool.submit(forge.find_open, ctx.branch) if forge is not None else None
        base_job = None
        if base is None and forge is not None:
            base_job = pool.submit(forge.default_branch)
        view = issue_job.result()
        existing = pr_job.result() if pr_job is not None else None
        if base_job is not None:
            base = base_job.result()
    if existing is not None:
        base = existing.target
    if base is None:
        raise UsageError(f"cannot tell the base branch of {options.remote}; pass --base BRANCH")
    if base == ctx.branch:
        raise UsageError(
            f"{ctx.branch} is the base branch itself; switch to the issue's branch first"
        )
    return view, existing, base


def _edit(job: _Run, title: str, body: str) -> tuple[str, str]:
    ctx, effects = job.ctx, job.effects
    try:
        edited = effects.edit(editor.compose(title, body), ctx.root)
    except editor.EditorFailed as exc:
        saved_title, saved_body = editor.parse(exc.text)
        if saved_title:
            path = recover.save(ctx.key, saved_title, saved_body, effects.clock())
            raise OperationFailed(f"{exc}; your text is kept: {recover.command(path)}") from None
        raise
    title, body = editor.parse(edited)
    if not title:
        raise OperationFailed("the title is empty, so nothing was sent; run again to retry")
    return title, body


def _send(job: _Run, title: str, body: str) -> tuple[PullRequest, bool]:
    ctx, options, forge, existing = job.ctx, job.options, job.forge, job.existing
    assert forge is not None
    _push_if_needed(job)
    if existing is not None:
        if options.base and options.base != existing.target:
            output.warn(
                f"the open pull request #{existing.number} targets {existing.target}; "
                f"its base is not changed to {options.base} (change it on the forge)"
            )
        pr = forge.update(existing, title, body)
        output.info(f"updated pull request #{pr.number}")
        return pr, False
    # A create that races another run ends in an update of that pull request.
    pr, created = forge.create_or_adopt(title, body, ctx.branch, job.base, options.draft)
    output.info(f"{'created' if created else 'updated'} pull request #{pr.number}")
    return pr, created


def _push_if_needed(job: _Run) -> None:
    ctx, options, effects = job.ctx, job.options, job.effects
    state = gitrepo.push_state(ctx.root, options.remote, ctx.branch)
    if state == "same":
        return
    where = f"{options.remote}/{ctx.branch}"
    if options.push is False:
        if state == "missing":
            raise UsageError(
                f"{options.remote} has no branch {ctx.branch} and --no-push was given; "
                f"push it (git push -u {options.remote} {ctx.branch}) or drop --no-push"
            )
        output.warn(f"{where} is not HEAD; the pull request shows what was pushed")
        return
    if options.push is None and effects.confirm is not None and effects.is_interactive():
        question = (
            f"{options.remote} has no branch {ctx.branch}; push it?"
            if state == "missing"
            else f"{where} is not HEAD; push HEAD to it?"
        )
        if not effects.confirm(question):
            if state == "missing":
                raise OperationFailed(
                    f"not pushed, and a pull request needs {ctx.branch} on {options.remote}; "
                    f"push it, or run again with --push"
                )
            return
    output.info(f"pushing {ctx.branch} to {options.remote}")
    gitrepo.push(ctx.root, options.remote, ctx.branch)


def _web(job: _Run, title: str, body: str) -> Result:
    ctx, options, forge, existing = job.ctx, job.options, job.forge, job.existing
    if existing is not None:
        url = existing.url
    else:
        if options.dry_run:
            output.info(f"would push {ctx.branch} to {options.remote} if it lacks it")
        else:
            _push_if_needed(job)  # the page needs the branch there
        if forge is not None:
            url = forge.create_page_url(ctx.branch, job.base, title, body)
        else:
            with _page_maker(ctx.remote) as page:
                url = page.create_page_url(ctx.branch, job.base, title, body)
    if not options.dry_run and not job.effects.browser(url):
        output.info("no browser could be started; open the address below")
    return Result(url, created=False)


def _page_maker(remote: ForgeRemote) -> Forge:
    from tracker_git.forges import client_for

    return client_for(remote, "")  # only builds a URL: no request, no token


def _plan(job: _Run, title: str, body: str) -> Result:
    ctx, options, forge, existing = job.ctx, job.options, job.forge, job.existing
    assert forge is not None
    lines: list[str] = []
    pushed = gitrepo.push_state(ctx.root, options.remote, ctx.branch) == "same"
    if not pushed and options.push is not False:
        lines.append("git " + " ".join(gitrepo.push_args(options.remote, ctx.branch)))
    if existing is not None:
        planned = forge.plan_update(existing, title, body)
        url = existing.url
    else:
        planned = forge.plan_create(title, body, ctx.branch, job.base, options.draft)
        url = PENDING_URL
    lines += [item.describe() for item in planned]
    status = ctx.config.statuses.review
    lines += review.plan(job.tracker, job.view, status, url, existing=existing is not None)
    output.info("dry run: nothing was pushed, created, moved or commented")
    return Result(url, created=existing is None, plan=tuple(lines))
