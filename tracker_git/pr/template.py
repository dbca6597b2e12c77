"""The pull request's description: a template filled from the issue, and the generated block.

What tracker-git writes sits between two HTML comments (invisible on every forge):

    <!-- tracker-git:start -->
    ...the issue link, summary, status, assignee, commits, stand link...
    <!-- tracker-git:end -->

Everything outside the markers belongs to people. A later `git tracker pr` rebuilds only the
text between the markers (fotingo's managed sections, docs/design/forges.md), so what the
author and reviewers wrote around it survives.

A template is Markdown with `{name}` placeholders (key, summary, url, status, assignee,
commits, stand, stand_line); unknown braces are left alone, so code samples survive. The part
of the template between the markers is the pattern of the generated block. A template
without markers (a team's existing PULL_REQUEST_TEMPLATE.md, say) is kept whole as the human
part, and the built-in block goes above it: template and fill together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from tracker_git.core import repofile
from tracker_git.core.errors import ConfigError

START = "<!-- tracker-git:start -->"
END = "<!-- tracker-git:end -->"
BUILTIN = "pr_template.md"
# Long branches would make a description nobody reads, and a request body some forges refuse.
MAX_COMMITS = 50
MAX_TEMPLATE = repofile.MAX_NAMED_FILE

_PLACEHOLDER = re.compile(r"\{(key|summary|url|status|assignee|commits|stand|stand_line)\}")
_BLOCK = re.compile(re.escape(START) + r"(.*?)" + re.escape(END), re.DOTALL)


@dataclass(frozen=True)
class Commit:
    sha: str  # abbreviated
    subject: str


@dataclass(frozen=True)
class Facts:
    """What the description says about the issue and the branch."""

    key: str
    summary: str
    url: str
    status: str
    assignee: str
    commits: tuple[Commit, ...] = ()
    stand: str = ""


def builtin_template() -> str:
    return resources.files("tracker_git.resources").joinpath(BUILTIN).read_text("utf-8")


def load_template(setting: str, repo_root: str) -> str:
    """The template `[pr] template` names, or the built-in. The setting comes from a file of
    the repository, so it may name only a file git tracks (core/repofile.py): else
    `.git/config` or an ignored `.env` could become a pull request's description."""
    if not setting:
        return builtin_template()
    fix = 'fix [pr] template in .tracker-git.toml, or set it to "" for the built-in template'
    raw = repofile.read_tracked(repo_root, setting, setting="[pr] template", fix=fix)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"[pr] template {setting[:100]!r} is not UTF-8 text; {fix}") from None


def _commit_lines(commits: tuple[Commit, ...]) -> str:
    if not commits:
        return "_(no commits yet)_"
    shown = [f"- {c.sha} {c.subject}" for c in commits[:MAX_COMMITS]]
    if len(commits) > MAX_COMMITS:
        shown.append(f"- … and {len(commits) - MAX_COMMITS} more")
    return "\n".join(shown)


def fill(text: str, facts: Facts) -> str:
    """`text` with every known placeholder replaced; other braces untouched."""
    values = {
        "key": facts.key,
        "summary": facts.summary,
        "url": facts.url,
        "status": facts.status or "—",
        "assignee": facts.assignee or "nobody",
        "commits": _commit_lines(facts.commits),
        "stand": facts.stand or "—",
        "stand_line": f"\n\nStand: {facts.stand}" if facts.stand else "",
    }
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def _pattern(template: str) -> str:
    """The generated block's pattern: the template's own, else the built-in one."""
    for source in (template, builtin_template()):
        match = _BLOCK.search(source)
        if match:
            return match.group(1)
    return "\n**[{key}]({url})**: {summary}\n"  # only if the packaged file were broken


def block(template: str, facts: Facts) -> str:
    """The generated block, markers included."""
    return START + fill(_pattern(template), facts) + END


def render(template: str, facts: Facts) -> str:
    """A new pull request's description."""
    if _BLOCK.search(template):
        generated = block(template, facts)
        # Only the first block is ours; placeholders elsewhere are filled once, then belong
        # to people.
        before, _, after = _BLOCK.sub("\0", template, count=1).partition("\0")
        return fill(before, facts) + generated + fill(after, facts)
    human = fill(template, facts).strip("\n")
    generated = block("", facts)
    return f"{generated}\n\n{human}\n" if human else generated + "\n"


def merge(body: str, template: str, facts: Facts) -> str:
    """An existing description with its generated block refreshed and everything else kept.

    Without markers (made by hand, or the markers were deleted) the block is added at the
    top and nothing of the old text is dropped.
    """
    generated = block(template, facts)
    body = body.replace("\r\n", "\n")
    if _BLOCK.search(body):
        return _BLOCK.sub(lambda _: generated, body, count=1)
    rest = body.strip("\n")
    return f"{generated}\n\n{rest}\n" if rest else generated + "\n"
