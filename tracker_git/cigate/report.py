"""How `git tracker check pr` tells its verdicts: one line per problem, GitHub's `::error`
workflow commands on GitHub Actions (annotations on the run and the pull request), and a
JUnit XML file on request (GitLab shows it in the merge request's test report widget)."""

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
