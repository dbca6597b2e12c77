"""`git tracker release` as one plain function: the span of commits, the issues read in bulk
(one search per SEARCH_BATCH keys), the notes, and the marks in Tracker."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from tracker_git.core.config import Config
from tracker_git.core.errors import ConfigError, UsageError
from tracker_git.release import mark, notes, span
from tracker_git.tracker.client import TrackerClient
from tracker_git.tracker.models import Issue


@dataclass(frozen=True)
class Options:
    range: str | None = None
    tag: str | None = None
    version: str | None = None
    create: bool = True
    notes_only: bool = False  # read Tracker for the notes, write nothing
    dry_run: bool = False
    template: str | None = None  # a path in the repository
    url: str | None = None  # the release's address, for the comment
    workers: int = mark.WORKERS


@dataclass(frozen=True)
class Done:
    notes: notes.Notes
    text: str  # the notes as Markdown, or filled into the template
    report: mark.Report | None  # None when nothing was marked
    plan: tuple[str, ...] = ()  # a dry run's writes


def read_issues(
    client: TrackerClient, keys: Sequence[str], *, expand: str = ""
) -> tuple[list[Issue], list[str]]:
    """(the issues of `keys`, each once, in the keys' order; the keys Tracker did not
    return). A moved issue answers under its new key and counts for its old one."""
    by_key: dict[str, Issue] = {}
    for issue in client.search_issues(keys, expand=expand):
        for name in issue.names:
            by_key.setdefault(name, issue)
    ordered: dict[str, Issue] = {}
    missing = []
    for key in keys:
        found = by_key.get(key)
        if found is None:
            missing.append(key)
        else:
            ordered.setdefault(found.key, found)
    return list(ordered.values()), missing


def load_template(path: str, root: str) -> str:
    """`--template`: read by the rule of `[pr] template` (a file of the repository)."""
    from tracker_git.pr.template import load_template as load

    if not path:
        raise UsageError("--template is empty; name a file of the repository")
    try:
        return load(path, root)
    except ConfigError as exc:
        said = str(exc).replace("[pr] template", "--template")
        said = said.replace(
            'fix [pr] template in .tracker-git.toml, or set it to "" for the built-in template',
            "name a file of the repository, or leave --template out",
        )
        raise UsageError(said) from None


def version_of(tag: str) -> str:
    """The version a tag names: v2.4.0 -> 2.4.0 (a leading v before a digit is the tag's
    habit, not the version's name); any other tag as it is."""
    return tag[1:] if len(tag) > 1 and tag[0] in "vV" and tag[1].isdigit() else tag


def comment_text(version: str, url: str) -> str:
    return f"Released in {version}: {url}" if url else f"Released in {version}."


def release(
    options: Options,
    config: Config,
    root: str,
    environ: Mapping[str, str],
    connect: Callable[[], TrackerClient],
    say: Callable[[str], None],
) -> Done:
    """The notes, and (unless `options.notes_only`) the marks; `say` gets the progress and
    one line per issue. Raises before any write for a wrong range, version or template."""
    template = load_template(options.template, root) if options.template is not None else None
    found = span.span(options.range, options.tag, config, environ, root)
    version = options.version or version_of(found.tag)
    if not version:
        raise UsageError(f"name the version of {found.label}: --version 2.4.0")
    keys = found.keys()
    client = connect()
    if options.dry_run:
        mark.trace(client, lambda line: say(f"sent: {line}"))
    status = "" if options.notes_only else config.release.status
    issues, missing = read_issues(client, keys, expand="transitions" if status else "")
    say(
        f"{found.label}: {len(found.changes)} commit(s), {len(keys)} key(s), {len(issues)} issue(s)"
    )
    for key in missing:
        say(f"{key}: not found in Tracker (no such issue, or no access); left out")
    made = notes.Notes(version, found, tuple(map(notes.Entry.of, issues)), tuple(missing))
    text = notes.with_template(template, made) if template is not None else notes.markdown(made)
    if options.notes_only or not issues:
        return Done(made, text, None)
    url = options.url
    if url is None and found.tag:
        url = span.ci_release_url(environ, found.tag)
    wanted = mark.Options(
        version=version,
        create=options.create,
        status=status,
        resolution=config.release.resolution,
        comment=comment_text(version, url or "") if config.release.comment else "",
        workers=options.workers,
    )
    plan: list[str] | None = [] if options.dry_run else None
    report = mark.mark(client, issues, wanted, plan=plan, say=say)
    return Done(made, text, report, tuple(plan or ()))
