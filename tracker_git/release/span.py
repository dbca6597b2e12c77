"""Which commits a release is: a range given as A..B, or the tag being released (given, from
the CI's tag variable, or HEAD's own tag) back to the tag before it; the keys in them by the
hooks' grammar (merge commits, so pull request titles, included), with `[hooks] since` and
the no-key markers honoured as the hooks honour them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tracker_git.cigate.depth import is_shallow
from tracker_git.core import checks, git, history
from tracker_git.core.ciplatforms import CI_PLATFORMS, GITHUB_ACTIONS, GITLAB_CI
from tracker_git.core.config import Config
from tracker_git.core.errors import UsageError


@dataclass(frozen=True)
class Change:
    sha: str
    subject: str
    keys: tuple[str, ...]
    merge: bool


@dataclass(frozen=True)
class Span:
    label: str  # "v2.3.0..v2.4.0", or "v2.4.0" for a first release (its whole history)
    tag: str  # the tag released, "" for a plain range
    changes: tuple[Change, ...]  # newest first, as git log

    def keys(self) -> list[str]:
        """Every key once, in the order they first appear, oldest first."""
        seen: dict[str, None] = {}
        for change in reversed(self.changes):
            seen.update(dict.fromkeys(change.keys))
        return list(seen)

    def keyless(self) -> list[Change]:
        """Commits without a key, merges left out (their content is in the merged commits)."""
        return [c for c in self.changes if not c.keys and not c.merge]


def ci_tag(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """(the CI's name, the tag) when a CI job runs for a tag."""
    for row in CI_PLATFORMS:
        if not row.tag_variable:
            continue
        value = environ.get(row.tag_variable, "")
        if row.tag_when and environ.get(row.tag_when[0]) != row.tag_when[1]:
            continue
        if value:
            return row.label, value
    return None


def ci_release_url(environ: Mapping[str, str], tag: str) -> str:
    """The release page of `tag` on the forge the CI job runs for, "" when it has none."""
    server, repository = (GITHUB_ACTIONS.get(environ, r) for r in ("server_url", "repository"))
    if server and repository:
        return f"{server}/{repository}/releases/tag/{tag}"
    project = GITLAB_CI.get(environ, "project_url")
    if project:
        return f"{project}/-/releases/{tag}"
    return ""


def head_tag(cwd: str | None = None) -> str | None:
    """The tag on HEAD (the newest, if several), None if none."""
    found = git.answer(["tag", "--points-at", "HEAD", "--sort=-creatordate"], cwd)
    tags = (found or "").split()
    return tags[0] if tags else None


def previous_tag(tag: str, cwd: str | None = None) -> str | None:
    """The nearest tag reachable from `tag`'s parent: the release before it."""
    found = git.answer(["describe", "--tags", "--abbrev=0", f"{tag}^"], cwd)
    return found.strip() if found and found.strip() else None


def resolve(
    given: str | None, tag: str | None, environ: Mapping[str, str], cwd: str | None = None
) -> tuple[list[str], str, str]:
    """(git log revisions, the label, the tag) for a RANGE argument, a --tag, the CI's tag
    variable or HEAD's tag, in that order."""
    if given:
        if ".." not in given:
            raise UsageError(f"'{given}' is not a range; write it as A..B (e.g. v2.3.0..v2.4.0)")
        start, _, end = given.partition("..")
        for revision in (start.lstrip("."), end.lstrip(".")):
            if git.commit(revision or "HEAD", cwd) is None:
                raise UsageError(
                    f"'{revision}' in '{given}' names no commit; check the tag or sha "
                    "(git tag --list, git log --oneline)"
                )
        return [given], given, ""
    if not tag:
        from_ci = ci_tag(environ)
        tag = from_ci[1] if from_ci else head_tag(cwd)
    if not tag:
        raise UsageError(
            "no range to release: give one (git tracker release v2.3.0..v2.4.0), or --tag, "
            "or run it on a tagged commit"
        )
    if git.commit(tag, cwd) is None:
        raise UsageError(f"tag '{tag}' names no commit here; fetch the tags (git fetch --tags)")
    if is_shallow(cwd):
        raise UsageError(
            "this clone is shallow, so the tag before this one cannot be found; fetch the "
            "history (actions/checkout with fetch-depth: 0, GIT_DEPTH: 0 on GitLab, "
            "clone: depth: full on Bitbucket) or give the range"
        )
    before = previous_tag(tag, cwd)
    if before is None:
        return [tag], tag, tag
    return [f"{before}..{tag}"], f"{before}..{tag}", tag


def collect(
    revisions: list[str], label: str, tag: str, config: Config, cwd: str | None = None
) -> Span:
    """The commits of `revisions` after `[hooks] since`, each with its keys; a commit with a
    no-key marker ("MINOR: ...") has none, as the hooks read it."""
    # A date stands for the last commit before it on the released line (the tag).
    since = history.since_revisions(config.hooks.since, tag, cwd)
    changes = []
    for sha, parents, body in history.commits([*revisions, *since], cwd):
        subject = body.partition("\n")[0]
        marked = checks.keyless_marker(body, config.hooks.allow_without_key) is not None
        found = () if marked else tuple(checks.message_keys(body, config))
        changes.append(Change(sha, subject, found, merge=parents > 1))
    return Span(label, tag, tuple(changes))


def span(
    given: str | None,
    tag: str | None,
    config: Config,
    environ: Mapping[str, str],
    cwd: str | None = None,
) -> Span:
    revisions, label, tag = resolve(given, tag, environ, cwd)
    return collect(revisions, label, tag, config, cwd)
