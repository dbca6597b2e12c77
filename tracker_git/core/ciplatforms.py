"""The CI platforms tracker-git reads: one row each, the one place a CI's variables are spelled.

Everything that reads a CI's environment reads this table: which CI a job runs in and its pull
request (cigate/source.py), where the gate writes its verdict (cigate/gate.py), the tag a
release job runs for and its release page (release/span.py), the branch that names an issue
(issue/key.py), the environment reference (helptext.py) and the table in docs/enforcement.md.
Stdlib only and data only.

Adding a CI: one row below; the modules above pick it up where they read a table, and a CI
whose pull request the gate reads needs its reader in cigate/source.py too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import overload

from tracker_git.core import forgekinds


@dataclass(frozen=True)
class CIPlatform:
    """One CI.

    name: how `Source.ci` and messages key it ("github-actions"); label: how messages call it.
    forge: the forge kind whose repositories it builds ("" for a CI that builds any forge's).
    markers: (variable, value) pairs, any of which says a job runs here; value "" means any
    non-empty value. branch_variables: the variables naming the branch built, most specific
    first. tag_variable: the variable naming the tag a tag job runs for ("" for none);
    tag_when: a (variable, value) pair that must hold too for tag_variable to name a tag
    (GitHub's ref name is a branch's on pushes). variables: every other variable read, by role
    (cigate/source.py names the roles it reads).
    """

    name: str
    label: str
    forge: str = ""
    markers: tuple[tuple[str, str], ...] = ()
    branch_variables: tuple[str, ...] = ()
    tag_variable: str = ""
    tag_when: tuple[str, str] | None = None
    variables: Mapping[str, str] = field(default_factory=dict)

    def var(self, role: str) -> str:
        """The name of the variable playing `role` here (KeyError for a role it has not)."""
        return self.variables[role]

    @overload
    def get(self, environ: Mapping[str, str], role: str) -> str | None: ...
    @overload
    def get(self, environ: Mapping[str, str], role: str, default: str) -> str: ...
    def get(self, environ: Mapping[str, str], role: str, default: str | None = None) -> str | None:
        """The value of the variable playing `role`, as environ.get would give it."""
        return environ.get(self.variables[role], default)

    def runs_here(self, environ: Mapping[str, str]) -> bool:
        return any(
            environ.get(name) == value if value else bool(environ.get(name))
            for name, value in self.markers
        )

    def token_variable(self) -> str:
        """The variable whose token its forge's API takes from a job ("" for none)."""
        row = forgekinds.forge_kind(self.forge) if self.forge else None
        return row.token_variables[0] if row and row.token_variables else ""

    def web_host(self) -> str:
        """Its forge's public web host ("" for none)."""
        return forgekinds.forge_kind(self.forge).web_host if self.forge else ""

    def api_host(self) -> str:
        """Its forge's public API host, where token_variable's token goes ("" for none)."""
        return forgekinds.public_api_host(forgekinds.forge_kind(self.forge)) if self.forge else ""

    def all_variables(self) -> tuple[str, ...]:
        """Every variable this CI's row names, once each, in the table's order."""
        names = [name for name, _ in self.markers]
        names += [*self.branch_variables, self.tag_variable, *self.variables.values()]
        if self.tag_when:
            names.append(self.tag_when[0])
        return tuple(dict.fromkeys(name for name in names if name))


GITHUB_ACTIONS = CIPlatform(
    name="github-actions",
    label="GitHub Actions",
    forge="github",
    markers=(("GITHUB_ACTIONS", "true"),),
    # The pull request's source branch first: on a pull request the ref is "123/merge".
    branch_variables=("GITHUB_HEAD_REF", "GITHUB_REF_NAME"),
    tag_variable="GITHUB_REF_NAME",
    tag_when=("GITHUB_REF_TYPE", "tag"),
    variables={
        "event_name": "GITHUB_EVENT_NAME",
        "event_path": "GITHUB_EVENT_PATH",
        "head_ref": "GITHUB_HEAD_REF",
        "base_ref": "GITHUB_BASE_REF",
        "repository": "GITHUB_REPOSITORY",
        "server_url": "GITHUB_SERVER_URL",
        "step_summary": "GITHUB_STEP_SUMMARY",
        "output": "GITHUB_OUTPUT",
    },
)
GITLAB_CI = CIPlatform(
    name="gitlab-ci",
    label="GitLab CI",
    forge="gitlab",
    markers=(("GITLAB_CI", "true"),),
    branch_variables=("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "CI_COMMIT_REF_NAME"),
    tag_variable="CI_COMMIT_TAG",
    variables={
        "mr_iid": "CI_MERGE_REQUEST_IID",
        "pipeline_source": "CI_PIPELINE_SOURCE",
        "title": "CI_MERGE_REQUEST_TITLE",
        "description": "CI_MERGE_REQUEST_DESCRIPTION",
        "source_branch": "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
        # Set in merged results pipelines only; CI_COMMIT_SHA otherwise.
        "source_sha": "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA",
        "commit_sha": "CI_COMMIT_SHA",
        # Not CI_MERGE_REQUEST_DIFF_BASE_SHA: that is the merge base, whose rules may be
        # older than the target's.
        "target_sha": "CI_MERGE_REQUEST_TARGET_BRANCH_SHA",
        "target_branch": "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
        "project_path": "CI_MERGE_REQUEST_PROJECT_PATH",
        "user_login": "GITLAB_USER_LOGIN",
        "draft": "CI_MERGE_REQUEST_DRAFT",
        "source_project_id": "CI_MERGE_REQUEST_SOURCE_PROJECT_ID",
        "project_id": "CI_MERGE_REQUEST_PROJECT_ID",
        "project_url": "CI_PROJECT_URL",
    },
)
BITBUCKET_PIPELINES = CIPlatform(
    name="bitbucket-pipelines",
    label="Bitbucket Pipelines",
    forge="bitbucket-cloud",
    markers=(("BITBUCKET_BUILD_NUMBER", ""), ("BITBUCKET_PR_ID", "")),
    branch_variables=("BITBUCKET_BRANCH",),
    tag_variable="BITBUCKET_TAG",
    variables={
        "pr_id": "BITBUCKET_PR_ID",
        "branch": "BITBUCKET_BRANCH",
        "commit": "BITBUCKET_COMMIT",
        "destination": "BITBUCKET_PR_DESTINATION_BRANCH",
        "repository": "BITBUCKET_REPO_FULL_NAME",
    },
)
JENKINS = CIPlatform(
    name="jenkins",
    label="Jenkins",
    # Multibranch: CHANGE_BRANCH for pull requests, BRANCH_NAME; the git plugin's GIT_BRANCH
    # ("origin/DEV-1-x").
    branch_variables=("CHANGE_BRANCH", "BRANCH_NAME", "GIT_BRANCH"),
)
TEAMCITY = CIPlatform(
    name="teamcity",
    label="TeamCity",
    # TeamCity has no environment variable for the branch by default: its parameter
    # teamcity.build.branch reaches the build as env.TEAMCITY_BUILD_BRANCH once the build
    # configuration defines that parameter as %teamcity.build.branch% (docs/commands.md).
    branch_variables=("TEAMCITY_BUILD_BRANCH",),
)

CI_PLATFORMS: tuple[CIPlatform, ...] = (
    GITHUB_ACTIONS,
    GITLAB_CI,
    BITBUCKET_PIPELINES,
    JENKINS,
    TEAMCITY,
)

# Every CI's branch variables, most specific first within each CI (issue/key.py).
BRANCH_VARIABLES: tuple[str, ...] = tuple(
    name for row in CI_PLATFORMS for name in row.branch_variables
)
# Every variable the table names: what a hermetic test clears, what no other module spells.
VARIABLES: tuple[str, ...] = tuple(
    dict.fromkeys(name for row in CI_PLATFORMS for name in row.all_variables())
)


def detect(environ: Mapping[str, str]) -> CIPlatform | None:
    """The CI among those with a forge that this job runs in, None for none of them."""
    return next((row for row in CI_PLATFORMS if row.markers and row.runs_here(environ)), None)


def markdown_table() -> str:
    """The table as docs/enforcement.md shows it."""
    lines = [
        "| CI | detected by | branch | tag | other variables read | token variable | API host |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in CI_PLATFORMS:
        marks = " or ".join(f"`{n}={v}`" if v else f"`{n}`" for n, v in row.markers)
        tag = f"`{row.tag_variable}`" if row.tag_variable else ""
        if tag and row.tag_when:
            tag += f" (when `{row.tag_when[0]}={row.tag_when[1]}`)"
        shown = {*row.branch_variables, row.tag_variable, *(n for n, _ in row.markers)}
        others = [f"`{n}`" for n in row.variables.values() if n not in shown]
        token = row.token_variable()
        cells = [
            row.label,
            marks or "(not detected)",
            ", ".join(f"`{n}`" for n in row.branch_variables),
            tag,
            ", ".join(others),
            f"`{token}`" if token else "",
            row.api_host(),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
