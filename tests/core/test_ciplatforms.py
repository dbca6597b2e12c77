"""The table of CI platforms (core/ciplatforms.py): which CI a job runs in, read from the job's
environment (a plain dictionary here, as the gate, release and the key lookup pass one), the
variables each CI's row names, its forge's token variable and hosts, and the table the docs show."""

from __future__ import annotations

import pytest

from tracker_git.core import ciplatforms
from tracker_git.core.ciplatforms import (
    BITBUCKET_PIPELINES,
    CI_PLATFORMS,
    GITHUB_ACTIONS,
    GITLAB_CI,
    JENKINS,
    TEAMCITY,
    CIPlatform,
)

# A CI that builds a Data Center server's repositories: that forge has no public service.
BAMBOO = CIPlatform(name="bamboo", label="Bamboo", forge="bitbucket-dc")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"GITHUB_ACTIONS": "true", "GITHUB_REF_NAME": "main"}, GITHUB_ACTIONS),
        ({"GITLAB_CI": "true", "CI_COMMIT_REF_NAME": "DEV-1-x"}, GITLAB_CI),
        ({"BITBUCKET_BUILD_NUMBER": "42", "BITBUCKET_BRANCH": "DEV-1-x"}, BITBUCKET_PIPELINES),
        ({"BITBUCKET_PR_ID": "7"}, BITBUCKET_PIPELINES),  # either marker, any value
        ({}, None),
        ({"GITHUB_ACTIONS": "false"}, None),  # the marker's own value only
        ({"GITLAB_CI": ""}, None),
        ({"BITBUCKET_BUILD_NUMBER": "", "BITBUCKET_PR_ID": ""}, None),  # set but empty
        # Jenkins and TeamCity name a branch but build any forge: never the detected CI.
        ({"BRANCH_NAME": "DEV-1-x", "CHANGE_BRANCH": "DEV-1-x", "JENKINS_URL": "http://ci"}, None),
        ({"TEAMCITY_BUILD_BRANCH": "DEV-1-x", "TEAMCITY_VERSION": "2024.03"}, None),
    ],
)
def test_the_ci_a_job_runs_in_is_read_from_its_environment(
    environ: dict[str, str], expected: CIPlatform | None
) -> None:
    assert ciplatforms.detect(environ) is expected
    for row in CI_PLATFORMS:
        assert row.runs_here(environ) is (row is expected)


def test_a_role_is_read_from_the_variable_that_plays_it() -> None:
    environ = {"CI_MERGE_REQUEST_IID": "12", "CI_MERGE_REQUEST_DRAFT": "true"}
    assert GITLAB_CI.var("mr_iid") == "CI_MERGE_REQUEST_IID"
    assert GITLAB_CI.get(environ, "mr_iid") == "12"
    assert GITLAB_CI.get(environ, "draft", "false") == "true"
    assert GITLAB_CI.get({}, "draft", "false") == "false"
    assert GITLAB_CI.get({}, "mr_iid") is None
    assert GITHUB_ACTIONS.get({"GITHUB_EVENT_NAME": "pull_request"}, "event_name") == (
        "pull_request"
    )
    with pytest.raises(KeyError):
        JENKINS.var("event_name")


def test_each_ci_takes_its_forges_token_variable_and_hosts() -> None:
    seen = {
        row.name: (row.token_variable(), row.web_host(), row.api_host())
        for row in (*CI_PLATFORMS, BAMBOO)
    }
    assert seen == {
        "github-actions": ("GH_TOKEN", "github.com", "api.github.com"),
        "gitlab-ci": ("GITLAB_TOKEN", "gitlab.com", "gitlab.com"),
        "bitbucket-pipelines": ("BITBUCKET_TOKEN", "bitbucket.org", "api.bitbucket.org"),
        "jenkins": ("", "", ""),
        "teamcity": ("", "", ""),
        "bamboo": ("", "", ""),
    }


def test_every_variable_a_row_names_once_in_the_tables_order() -> None:
    """What the tests' hermetic environment clears and what no other module may spell."""
    assert GITHUB_ACTIONS.all_variables() == (
        "GITHUB_ACTIONS",
        "GITHUB_HEAD_REF",
        "GITHUB_REF_NAME",
        "GITHUB_EVENT_NAME",
        "GITHUB_EVENT_PATH",
        "GITHUB_BASE_REF",
        "GITHUB_REPOSITORY",
        "GITHUB_SERVER_URL",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_OUTPUT",
        "GITHUB_REF_TYPE",
    )
    assert BITBUCKET_PIPELINES.all_variables() == (
        "BITBUCKET_BUILD_NUMBER",
        "BITBUCKET_PR_ID",
        "BITBUCKET_BRANCH",
        "BITBUCKET_TAG",
        "BITBUCKET_COMMIT",
        "BITBUCKET_PR_DESTINATION_BRANCH",
        "BITBUCKET_REPO_FULL_NAME",
    )
    assert JENKINS.all_variables() == ("CHANGE_BRANCH", "BRANCH_NAME", "GIT_BRANCH")
    assert TEAMCITY.all_variables() == ("TEAMCITY_BUILD_BRANCH",)
    assert set(ciplatforms.VARIABLES) == {
        name for row in CI_PLATFORMS for name in row.all_variables()
    }


def test_the_table_docs_enforcement_shows() -> None:
    assert ciplatforms.markdown_table().splitlines() == [
        "| CI | detected by | branch | tag | other variables read | token variable | API host |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        "| GitHub Actions | `GITHUB_ACTIONS=true` | `GITHUB_HEAD_REF`, `GITHUB_REF_NAME` "
        "| `GITHUB_REF_NAME` (when `GITHUB_REF_TYPE=tag`) | `GITHUB_EVENT_NAME`, "
        "`GITHUB_EVENT_PATH`, `GITHUB_BASE_REF`, `GITHUB_REPOSITORY`, `GITHUB_SERVER_URL`, "
        "`GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT` | `GH_TOKEN` | api.github.com |",
        "| GitLab CI | `GITLAB_CI=true` | `CI_MERGE_REQUEST_SOURCE_BRANCH_NAME`, "
        "`CI_COMMIT_REF_NAME` | `CI_COMMIT_TAG` | `CI_MERGE_REQUEST_IID`, `CI_PIPELINE_SOURCE`, "
        "`CI_MERGE_REQUEST_TITLE`, `CI_MERGE_REQUEST_DESCRIPTION`, "
        "`CI_MERGE_REQUEST_SOURCE_BRANCH_SHA`, `CI_COMMIT_SHA`, "
        "`CI_MERGE_REQUEST_TARGET_BRANCH_SHA`, `CI_MERGE_REQUEST_TARGET_BRANCH_NAME`, "
        "`CI_MERGE_REQUEST_PROJECT_PATH`, `GITLAB_USER_LOGIN`, `CI_MERGE_REQUEST_DRAFT`, "
        "`CI_MERGE_REQUEST_SOURCE_PROJECT_ID`, `CI_MERGE_REQUEST_PROJECT_ID`, `CI_PROJECT_URL` "
        "| `GITLAB_TOKEN` | gitlab.com |",
        "| Bitbucket Pipelines | `BITBUCKET_BUILD_NUMBER` or `BITBUCKET_PR_ID` "
        "| `BITBUCKET_BRANCH` | `BITBUCKET_TAG` | `BITBUCKET_COMMIT`, "
        "`BITBUCKET_PR_DESTINATION_BRANCH`, `BITBUCKET_REPO_FULL_NAME` | `BITBUCKET_TOKEN` "
        "| api.bitbucket.org |",
        "| Jenkins | (not detected) | `CHANGE_BRANCH`, `BRANCH_NAME`, `GIT_BRANCH` |  |  |  |  |",
        "| TeamCity | (not detected) | `TEAMCITY_BUILD_BRANCH` |  |  |  |  |",
    ]
