"""The GitHub emulator's objects in full: users, repositories and pull requests with every
field GitHub's OpenAPI description requires (`simple-user`, `repository`, `full-repository`,
`pull-request`), so the fidelity check can hold the emulator to the description."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

STAMP = "2026-01-01T00:00:00Z"

# field -> what follows the repository's API URL
_REPO_URLS = {
    "archive_url": "/{archive_format}{/ref}", "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}", "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}", "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}", "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}", "contributors_url": "/contributors",
    "deployments_url": "/deployments", "downloads_url": "/downloads", "events_url": "/events",
    "forks_url": "/forks", "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}", "git_tags_url": "/git/tags{/sha}", "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}", "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}", "keys_url": "/keys{/key_id}", "labels_url": "/labels{/name}",
    "languages_url": "/languages", "merges_url": "/merges", "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}", "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}", "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}", "subscribers_url": "/subscribers",
    "subscription_url": "/subscription", "tags_url": "/tags", "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}  # fmt: skip
_USER_URLS = {
    "followers_url": "/followers", "following_url": "/following{/other_user}",
    "gists_url": "/gists{/gist_id}", "starred_url": "/starred{/owner}{/repo}",
    "subscriptions_url": "/subscriptions", "organizations_url": "/orgs", "repos_url": "/repos",
    "events_url": "/events{/privacy}", "received_events_url": "/received_events",
}  # fmt: skip


def user(api: str, web: str, login: str, uid: int = 1) -> dict[str, Any]:
    url = f"{api}/users/{login}"
    return {
        "login": login, "id": uid, "node_id": f"U_{uid}", "avatar_url": f"{web}/{login}.png",
        "gravatar_id": "", "url": url, "html_url": f"{web}/{login}",
        **{name: url + tail for name, tail in _USER_URLS.items()},
        "type": "User", "site_admin": False,
    }  # fmt: skip


def repository(api: str, web: str, owner: str, name: str, default_branch: str) -> dict[str, Any]:
    full = f"{owner}/{name}"
    url = f"{api}/repos/{full}"
    host = urlsplit(web).netloc
    return {
        "id": 1296269, "node_id": "R_1", "name": name, "full_name": full,
        "owner": user(api, web, owner, 2), "private": False, "html_url": f"{web}/{full}",
        "description": None, "fork": False, "url": url,
        **{field: url + tail for field, tail in _REPO_URLS.items()},
        "clone_url": f"{web}/{full}.git", "git_url": f"git://{host}/{full}.git",
        "ssh_url": f"git@{host}:{full}.git", "svn_url": f"{web}/{full}", "mirror_url": None,
        "homepage": None, "language": None, "forks": 0, "forks_count": 0,
        "stargazers_count": 0, "watchers_count": 0, "watchers": 0, "size": 0,
        "default_branch": default_branch, "open_issues": 0, "open_issues_count": 0,
        "has_issues": True, "has_projects": True, "has_wiki": True, "has_pages": False,
        "has_downloads": True, "has_discussions": False, "archived": False, "disabled": False,
        "license": None, "pushed_at": STAMP, "created_at": STAMP, "updated_at": STAMP,
        "network_count": 0, "subscribers_count": 0,
    }  # fmt: skip


def pull_links(api: str, web: str, full: str, number: int) -> dict[str, Any]:
    """The URL fields of a pull request, and its `_links`."""
    url = f"{api}/repos/{full}/pulls/{number}"
    issue = f"{api}/repos/{full}/issues/{number}"
    html = f"{web}/{full}/pull/{number}"
    fields = {
        "url": url, "html_url": html, "diff_url": html + ".diff", "patch_url": html + ".patch",
        "issue_url": issue, "commits_url": url + "/commits",
        "review_comments_url": url + "/comments",
        "review_comment_url": f"{api}/repos/{full}/pulls/comments{{/number}}",
        "comments_url": issue + "/comments", "statuses_url": f"{api}/repos/{full}/statuses/{'0' * 40}",
    }  # fmt: skip
    names = {"self": "url", "html": "html_url", "issue": "issue_url", "comments": "comments_url",
             "review_comments": "review_comments_url", "review_comment": "review_comment_url",
             "commits": "commits_url", "statuses": "statuses_url"}  # fmt: skip
    return {**fields, "_links": {link: {"href": fields[f]} for link, f in names.items()}}
