"""How `git tracker check pr` tells its verdicts: one line per problem; on GitHub Actions
`::error` workflow commands (annotations on the run and the pull request: a summary first,
then the problems, capped as GitHub shows only 10 per step), a table in the step summary and
the step's outputs; and a JUnit XML file on request (GitLab shows it in the merge request's
test report widget)."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

from tracker_git.core.prcheck import Verdict

_LABELS = {
    "title": "pull request title",
    "branch": "source branch",
    "commit": "commit",
    "issue": "issue",
}
# GitHub shows 10 error annotations per step: the summary, 8 problems and "and N more".
MAX_ANNOTATIONS = 10
# Rows of the step summary's table (GitHub takes up to 1 MiB per step).
MAX_ROWS = 200
# Markdown and HTML that a commit subject or a branch name must not bring into the summary.
_MARKDOWN = str.maketrans(
    {
        **{c: f"\\{c}" for c in "\\`*_[]|~"},
        "<": "&lt;",
        ">": "&gt;",
        "&": "&amp;",
        "\n": " ",
        "\r": " ",
    }
)
# XML 1.0 has no place for most control characters, which a commit subject may hold.
_NOT_XML = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def label(verdict: Verdict) -> str:
    """What a verdict is about: "pull request title", "source branch", "commit 1a2b3c4d5e"."""
    if verdict.what == "commit":
        return f"commit {verdict.sha[:10]}"
    return _LABELS[verdict.what]


def plain(verdict: Verdict) -> str:
    """One line: `commit 1a2b3c4d5e 'subject': the commit message references no issue key`."""
    if verdict.what == "commit":
        subject = verdict.name.partition(" ")[2]
        return f"commit {verdict.sha[:10]} {subject[:60]!r}: {verdict.problem}"
    if verdict.what == "title":
        return f"{verdict.problem} (title: {verdict.name[:80]!r})"
    return str(verdict.problem)  # the branch's and the name themselves


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(verdict: Verdict) -> str:
    """`::error title=...::message`, escaped as the Actions runner expects."""
    title = _escape_property(f"tracker-git: {label(verdict)}")
    return f"::error title={title}::{_escape_data(plain(verdict))}"


def github_annotations(failed: list[Verdict], summary: str) -> list[str]:
    """The lines to print on GitHub Actions: the summary annotation first, then one per
    problem up to what GitHub shows, then "and N more" with the rest as plain log lines
    (never lost, never annotations)."""
    lines = [f"::error title=tracker-git::{_escape_data(summary)}"]
    room = MAX_ANNOTATIONS - 1
    shown = failed if len(failed) <= room else failed[: room - 1]
    lines += [github_annotation(verdict) for verdict in shown]
    rest = failed[len(shown) :]
    if rest:
        more = f"and {len(rest)} more problem(s): in the job's log and its summary"
        lines.append(f"::error title={_escape_property('tracker-git: and more')}::{more}")
        lines += [f"  {plain(verdict)}" for verdict in rest]
    return lines


def _markdown(text: str) -> str:
    """Text as literal Markdown: no link, no HTML, no table cell break, one line."""
    return text.translate(_NOT_XML).translate(_MARKDOWN)


def step_summary(verdicts: list[Verdict], summary: str, link: str) -> str:
    """GitHub's step summary (Markdown): the verdict, then a table of what was judged,
    problems first."""
    ordered = sorted(verdicts, key=lambda v: v.problem is None)
    lines = [
        f"### tracker-git: {summary}",  # our own words
        "",
        "| | what | problem |",
        "| --- | --- | --- |",
    ]
    for verdict in ordered[:MAX_ROWS]:
        mark = "❌" if verdict.problem else "✅"
        what = _case_name(verdict)
        lines.append(f"| {mark} | {_markdown(what[:120])} | {_markdown(verdict.problem or '')} |")
    if len(ordered) > MAX_ROWS:
        lines.append(f"| | and {len(ordered) - MAX_ROWS} more | |")
    lines += ["", f"The rules: [{link}]({link})", ""]
    return "\n".join(lines)


def outputs(verdicts: list[Verdict]) -> str:
    """The step's outputs (`$GITHUB_OUTPUT`): verdict (pass or fail), problems, commits."""
    problems = sum(1 for v in verdicts if v.problem)
    commits = sum(1 for v in verdicts if v.what == "commit")
    verdict = "fail" if problems else "pass"
    return f"verdict={verdict}\nproblems={problems}\ncommits={commits}\n"


def write_junit(path: str, verdicts: list[Verdict]) -> None:
    """A JUnit XML report: one test case per thing judged, a failure for each problem."""
    failures = sum(1 for v in verdicts if v.problem)
    suites = ET.Element("testsuites", name="tracker-git", tests=str(len(verdicts)))
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="tracker-git check pr",
        tests=str(len(verdicts)),
        failures=str(failures),
        errors="0",
    )
    for verdict in verdicts:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"tracker-git.{verdict.what}",
            name=_case_name(verdict).translate(_NOT_XML),
        )
        if verdict.problem:
            failure = ET.SubElement(
                case, "failure", message=verdict.problem.translate(_NOT_XML), type="tracker-git"
            )
            failure.text = plain(verdict).translate(_NOT_XML)
    tree = ET.ElementTree(suites)
    temporary = f"{path}.{os.getpid()}.tmp"
    tree.write(temporary, encoding="utf-8", xml_declaration=True)
    os.replace(temporary, path)


def _case_name(verdict: Verdict) -> str:
    if verdict.what == "commit":
        return f"commit {verdict.name}"
    return f"{label(verdict)}: {verdict.name}"
