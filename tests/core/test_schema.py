"""The one schema format of the three config files, and the read-only configuration."""

from __future__ import annotations

import pytest

from tracker_git.core import config, schema
from tracker_git.core.errors import ConfigError
from tracker_git.notify import spec
from tracker_git.relay import config as relay_config

ALL_SECTIONS = [
    *config.SECTIONS,
    *relay_config.SECTIONS,
    *relay_config.FORGE_SECTIONS.values(),
    *spec.SECTIONS,
]


@pytest.mark.parametrize("section", ALL_SECTIONS, ids=lambda s: s.NAME or "top")
def test_every_key_is_declared_with_a_valid_default_and_a_one_line_doc(
    section: type[schema.Section],
) -> None:
    assert section.KEYS, section
    for key in section.KEYS:
        assert key.doc and "\n" not in key.doc and len(key.doc) <= 100, key
        assert key.section == section.NAME and key.path == (section.NAME, key.name)
        if key.shown_default or key.kind in ("table", "tables"):
            continue  # the default comes from elsewhere (the relay's main configuration)
        default = list(key.default) if isinstance(key.default, tuple) else key.default
        assert schema.matches_kind(key.kind, default), key


def test_the_configuration_is_read_only(tmp_path: object) -> None:
    cfg = config.load(None, environ={})
    with pytest.raises(AttributeError, match="read-only"):
        cfg.hooks.online = True  # type: ignore[misc, unused-ignore]
    with pytest.raises(AttributeError, match="read-only"):
        cfg.queues = ("DEV",)  # type: ignore[misc, unused-ignore]
    with pytest.raises(AttributeError):
        cfg.hooks.exempt_branches.append("x")  # type: ignore[attr-defined]
    assert not hasattr(cfg, "values") and not hasattr(cfg, "sources")
    changed = cfg.replace({config.Tracker.org_id: "42"}, "prompt")
    assert (changed.tracker.org_id, changed.source(config.Tracker.org_id)) == ("42", "prompt")
    assert (cfg.tracker.org_id, cfg.source(config.Tracker.org_id)) == ("", "default")


def test_values_read_typed_and_normalised() -> None:
    cfg = config.load(None, {config.Top.queues: ["dev"], config.Hooks.timeout: 3}, environ={})
    assert cfg.queues == ("DEV",) and cfg.top.queues == ("dev",)
    assert cfg.hooks.timeout == 3.0 and isinstance(cfg.hooks.timeout, float)
    assert cfg.value(config.Hooks.timeout) == 3.0
    assert config.key("hooks.online") is config.Hooks.online
    assert config.key("queues") is config.Top.queues


def test_a_template_section_gives_each_table_its_own_keys() -> None:
    github = relay_config.FORGE_SECTIONS["github"]
    gitlab = relay_config.FORGE_SECTIONS["gitlab"]
    assert [k.name for k in github.KEYS] == [
        "secret_env", "secret_file", "allow_unsigned", "token_env", "token_file", "api_url",
        "allow_forks", "status_summary",
    ]  # fmt: skip
    assert {k.name for k in gitlab.KEYS} > {"secret_env", "signing_token_env", "max_age"}
    assert github.BY_NAME["secret_env"].path == ("forges.github", "secret_env")
    assert gitlab.BY_NAME["secret_env"].path == ("forges.gitlab", "secret_env")  # its own table


def test_validate_names_the_file_the_key_and_the_expectation() -> None:
    with pytest.raises(ConfigError, match=r"^f: 'hooks.timeout' must be a positive number, not 0$"):
        schema.validate({"hooks": {"timeout": 0}}, "f", config.SECTIONS)
    assert schema.validate({"hooks": {"timeout": 1}}, "f", config.SECTIONS) == {
        ("hooks", "timeout"): 1
    }


def test_the_reference_lists_every_key_with_kind_and_default() -> None:
    rows = schema.reference(config.SECTIONS)
    assert len(rows) == len(config.SCHEMA)
    assert ("queues", "list of queue keys", "`[]`", config.Top.queues.doc) in rows
    insert = next(row for row in rows if row[0] == "[hooks] insert")
    assert insert[1:3] == ('"prefix", "conventional", "trailer", "none"', '`"prefix"`')
    assert next(row for row in rows if row[0] == "[tracker] timeout")[2] == "`10`"


# The schema's functions called by the tests themselves: the key constructors and Section's
# class set-up run when a module declares its sections (at import time), so a file of
# declarations made here, in the test, is what checks them.


def declare() -> tuple[type[schema.Section], ...]:
    """A file's schema with a key of every kind, as a module of tracker-git writes one."""

    class Top(schema.Section):  # no name: the top level
        queues = schema.queue_keys((), "the queues")
        timeout = schema.number(10, "seconds to wait")

    class Hooks(schema.Section, name="hooks"):
        user = schema.text('a "b" \\c', "a text")
        api = schema.url("https://x.test", "an address")
        online = schema.flag(False, "ask Tracker")
        strict = schema.flag(True, "refuse")
        pause = schema.number(2.5, "seconds")
        retries = schema.count(0, "how many")
        branches = schema.strings(("main", "master"), "exempt branches")
        insert = schema.choice(("prefix", "trailer"), "prefix", "where the key goes")
        kind = schema.choice(lambda: ("github", "gitlab"), "gitlab", "the forge")
        slack = schema.table("an alert's channel")
        alert = schema.tables("the alerts")

    class Said(schema.Section, name="said", header="[said.NAME] "):
        user = schema.text("", "a text", "the login")
        api = schema.url("", "an address", "the public API")
        online = schema.flag(False, "ask", "per queue")
        pause = schema.number(1, "seconds", "the tracker's")
        retries = schema.count(1, "how many", "3 in CI")
        branches = schema.strings((), "branches", "the default branch")
        queues = schema.queue_keys((), "queues", "every queue")
        insert = schema.choice(("a", "b"), "a", "where", "by the hook")
        slack = schema.table("a table", "none")
        alert = schema.tables("tables", "none either")

    return Top, Hooks, Said


def test_every_kind_of_key_is_listed_in_the_reference_with_its_default() -> None:
    assert schema.reference(declare()) == [
        ("queues", "list of queue keys", "`[]`", "the queues"),
        ("timeout", "number > 0", "`10`", "seconds to wait"),
        ("[hooks] user", "string", '`"a \\"b\\" \\\\c"`', "a text"),
        ("[hooks] api", "string", '`"https://x.test"`', "an address"),
        ("[hooks] online", "boolean", "`false`", "ask Tracker"),
        ("[hooks] strict", "boolean", "`true`", "refuse"),
        ("[hooks] pause", "number > 0", "`2.5`", "seconds"),
        ("[hooks] retries", "number >= 0", "`0`", "how many"),
        ("[hooks] branches", "list of strings", '`["main", "master"]`', "exempt branches"),
        ("[hooks] insert", '"prefix", "trailer"', '`"prefix"`', "where the key goes"),
        ("[hooks] kind", '"github", "gitlab"', '`"gitlab"`', "the forge"),
        ("[hooks] slack", "table", "", "an alert's channel"),
        ("[hooks] alert", "array of tables", "", "the alerts"),
        ("[said.NAME] user", "string", "the login", "a text"),
        ("[said.NAME] api", "string", "the public API", "an address"),
        ("[said.NAME] online", "boolean", "per queue", "ask"),
        ("[said.NAME] pause", "number > 0", "the tracker's", "seconds"),
        ("[said.NAME] retries", "number >= 0", "3 in CI", "how many"),
        ("[said.NAME] branches", "list of strings", "the default branch", "branches"),
        ("[said.NAME] queues", "list of queue keys", "every queue", "queues"),
        ("[said.NAME] insert", '"a", "b"', "by the hook", "where"),
        ("[said.NAME] slack", "table", "none", "a table"),
        ("[said.NAME] alert", "array of tables", "none either", "tables"),
    ]


def test_a_section_binds_its_keys_and_reads_its_values() -> None:
    top, hooks, _ = declare()
    assert (top.NAME, top.HEADER, hooks.NAME, hooks.HEADER) == ("", "", "hooks", "[hooks] ")
    assert [key.path for key in top.KEYS] == [("", "queues"), ("", "timeout")]
    assert list(hooks.BY_NAME) == [key.name for key in hooks.KEYS] == [
        "user", "api", "online", "strict", "pause", "retries", "branches", "insert", "kind",
        "slack", "alert",
    ]  # fmt: skip
    assert hooks.BY_NAME["online"] is hooks.online  # type: ignore[attr-defined]
    assert repr(hooks.online) == "<key hooks.online>"  # type: ignore[attr-defined]
    assert [key.dotted for key in top.KEYS] == ["queues", "timeout"]
    values = schema.defaults((top, hooks))
    assert values[("hooks", "branches")] == ("main", "master") and len(values) == 13
    view = hooks({**values, ("hooks", "online"): True})
    assert (view.online, view.strict, view.branches) == (True, True, ("main", "master"))  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match=r"^the configuration is read-only \(online\)$"):
        view.online = False
    # Even past Section.__setattr__ a key is a data descriptor: no instance value can hide it.
    with pytest.raises(AttributeError, match=r"^the configuration is read-only \(hooks\.online\)$"):
        object.__setattr__(view, "online", False)
    assert view.online is True  # type: ignore[attr-defined]


def test_a_key_outside_any_section_names_nothing_yet() -> None:
    key = schema.flag(False, "ask")
    assert (key.section, key.name, key.path, key.dotted) == ("", "", ("", ""), "")
    assert (key.kind, key.default, key.doc, key.shown_default) == ("bool", False, "ask", "")


def test_template_sections_give_each_table_its_own_copy_of_their_keys() -> None:
    """As the relay's forge tables: one template of keys for every forge, a second one more for
    the forges that sign their webhooks, one table per forge made from them."""

    class ForgeKeys(schema.Section, name="forges.NAME"):
        secret_env = schema.text("", "the secret's variable")
        api_url = schema.url("", "the forge's API", "the public API")

    class SigningKeys(schema.Section, name="forges.NAME"):
        max_age = schema.count(300, "seconds a delivery may be old")

    github: type[schema.Section] = type("Forge_github", (ForgeKeys,), {}, name="forges.github")
    gitlab: type[schema.Section] = type(
        "Forge_gitlab", (SigningKeys, ForgeKeys), {}, name="forges.gitlab"
    )
    assert [key.path for key in github.KEYS] == [
        ("forges.github", "secret_env"),
        ("forges.github", "api_url"),
    ]
    assert [key.path for key in gitlab.KEYS] == [
        ("forges.gitlab", "secret_env"),
        ("forges.gitlab", "api_url"),
        ("forges.gitlab", "max_age"),
    ]
    # Each copy is its table's class attribute, the template's own left as it was.
    assert gitlab.BY_NAME["max_age"] is gitlab.__dict__["max_age"] is not SigningKeys.max_age
    assert ForgeKeys.secret_env.path == ("forges.NAME", "secret_env")  # the template's own
    assert schema.reference((gitlab,)) == [
        ("[forges.gitlab] secret_env", "string", '`""`', "the secret's variable"),
        ("[forges.gitlab] api_url", "string", "the public API", "the forge's API"),
        ("[forges.gitlab] max_age", "number >= 0", "`300`", "seconds a delivery may be old"),
    ]
    values = {("forges.gitlab", "max_age"): 5.0, ("forges.github", "secret_env"): "GH"}
    assert gitlab(values).max_age == 5.0  # type: ignore[attr-defined]
    assert github(values).secret_env == "GH"  # type: ignore[attr-defined]
    assert schema.validate({"forges.gitlab": {"max_age": 0}}, "relay.toml", (github, gitlab)) == {
        ("forges.gitlab", "max_age"): 0
    }
    with pytest.raises(ConfigError, match=r"'forges.github.max_age'"):
        schema.validate({"forges.github": {"max_age": 0}}, "relay.toml", (github, gitlab))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"queues": "DEV"}, "'queues' must be a list of queue keys (Latin letters only"),
        ({"queues": ["DEV", "D1"]}, "'queues' must be a list of queue keys (Latin letters only"),
        ({"timeout": True}, "'timeout' must be a positive number, not True"),
        ({"timeout": "3"}, "'timeout' must be a positive number, not '3'"),
        ({"timeout": 0}, "'timeout' must be a positive number, not 0"),
        ({"hooks": {"retries": -1}}, "'hooks.retries' must be a number, 0 or more, not -1"),
        ({"hooks": {"retries": False}}, "'hooks.retries' must be a number, 0 or more, not False"),
        ({"hooks": {"user": 3}}, "'hooks.user' must be a string, not 3"),
        ({"hooks": {"api": "https://x\u202e.test"}}, "'hooks.api' must be an address of"),
        ({"hooks": {"online": "yes"}}, "'hooks.online' must be true or false, not 'yes'"),
        ({"hooks": {"branches": "main"}}, "'hooks.branches' must be a list of strings, not 'main'"),
        ({"hooks": {"branches": ["main", 1]}}, "'hooks.branches' must be a list of strings, not"),
        ({"hooks": {"insert": "suffix"}}, '\'hooks.insert\' must be one of "prefix", "trailer",'),
        ({"hooks": {"kind": "gitea"}}, '\'hooks.kind\' must be one of "github", "gitlab", not'),
        ({"hooks": {"slack": ["#a"]}}, "'hooks.slack' must be a table, not ['#a']"),
        (
            {"hooks": {"alert": {}}},
            "'hooks.alert' must be a list of tables, written [[name]], not {}",
        ),
        ({"hooks": {"alert": [{}, 1]}}, "'hooks.alert' must be a list of tables, written"),
        ({"hooks": 3}, "[hooks] must be a table, not 3"),
    ],
)
def test_a_wrong_value_is_one_line_naming_the_file_the_key_and_what_was_expected(
    data: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        schema.validate(data, "f.toml", declare())
    assert str(caught.value).startswith(f"f.toml: {message}")
    assert "\n" not in str(caught.value)


def test_values_of_every_kind_that_are_right_pass_as_written() -> None:
    data: dict[str, object] = {
        "queues": ["DEV", "support"],
        "timeout": 0.5,
        "hooks": {
            "user": "",
            "api": "https://tracker.example/ü",
            "online": True,
            "pause": 3,
            "retries": 0,
            "branches": [],
            "insert": "trailer",
            "kind": "github",
            "slack": {"channel": "#dev"},
            "alert": [{"name": "a"}, {}],
        },
    }
    flat = schema.validate(data, "f.toml", declare())
    assert flat[("hooks", "retries")] == 0 and flat[("hooks", "alert")] == [{"name": "a"}, {}]
    assert len(flat) == 12
    assert schema.validate({"hooks": {"retries": 0.5}}, "f", declare())


def test_numbers_read_as_floats_and_lists_as_tuples() -> None:
    _, hooks, _ = declare()
    for name, value in (("pause", 3), ("retries", 2)):
        normal = schema.normal(hooks.BY_NAME[name], value)
        assert (normal, type(normal)) == (float(value), float)
    assert schema.normal(hooks.BY_NAME["branches"], ["main"]) == ("main",)
    assert schema.normal(hooks.BY_NAME["slack"], {"a": 1}) == {"a": 1}


@pytest.mark.parametrize(
    ("data", "note"),
    [
        ({"tout": 1}, "unknown key 'tout'{}; known here: queues, timeout"),
        ({"timeot": 1}, "unknown key 'timeot'{}; did you mean timeout?"),
        ({"hoks": {"online": True}}, "unknown table [hoks]{}; did you mean [hooks]?"),
        ({"alerts": {}}, "unknown table [alerts]{}; known here: [hooks], [said]"),
        ({"hooks": {"onlin": 1}}, "unknown key 'hooks.onlin'{}; did you mean hooks.online?"),
        ({"k" * 60: 1}, "unknown key '" + "k" * 60 + "'{}; known here: queues, timeout"),
        ({"k" * 61: 1}, "unknown key '" + "k" * 57 + "...'{}; known here: queues, timeout"),
        ({"k" * 99: 1}, "unknown key '" + "k" * 57 + "...'{}; known here: queues, timeout"),
        ({"a\x1b[2J": 1}, "unknown key 'a\\x1b[2J'{}; known here: queues, timeout"),
        # Escaped, a key may reach the limit (kept whole) or pass it (cut): 4 + 56 = 60 here.
        (
            {"\x1b" + "k" * 56: 1},
            "unknown key '\\x1b" + "k" * 56 + "'{}; known here: queues, timeout",
        ),
        (
            {"\x1b" + "k" * 57: 1},
            "unknown key '\\x1b" + "k" * 53 + "...'{}; known here: queues, timeout",
        ),
        # A printable key of 60 is shown as it is (its backslash too); one of 61 is escaped.
        ({"\\" + "k" * 59: 1}, "unknown key '\\" + "k" * 59 + "'{}; known here: queues, timeout"),
        (
            {"\\" + "k" * 60: 1},
            "unknown key '" + "\\" * 2 + "k" * 55 + "...'{}; known here: queues, timeout",
        ),
    ],
)
def test_an_unknown_key_is_an_error_or_an_ignored_note(data: dict[str, object], note: str) -> None:
    with pytest.raises(ConfigError) as caught:
        schema.validate(data, "f.toml", declare())
    assert str(caught.value) == "f.toml: " + note.format("")
    notes: list[str] = []
    assert schema.validate(data, "f.toml", declare(), notes) == {}
    assert notes == ["f.toml: " + note.format(" (ignored)")]


def test_the_keys_after_an_ignored_one_are_still_read() -> None:
    notes: list[str] = []
    data = {"hooks": {"onlin": True, "sign_off": 1, "online": True}, "timeout": 2}
    assert schema.validate(data, "f", declare(), notes) == {
        ("hooks", "online"): True,
        ("", "timeout"): 2,
    }
    assert [note.split(";")[0] for note in notes] == [
        "f: unknown key 'hooks.onlin' (ignored)",
        "f: unknown key 'hooks.sign_off' (ignored)",
    ]


def test_a_value_is_shown_cut_to_its_limit() -> None:
    assert schema.shown("x" * 78) == repr("x" * 78)  # 80 characters: whole
    assert schema.shown("x" * 79) == "'" + "x" * 76 + "..."  # 81: cut to 80
    assert schema.shown("x" * 10, 12) == repr("x" * 10)
    assert schema.shown("x" * 11, 12) == "'xxxxxxxx..."
    nested: list[object] = []
    for _ in range(100_000):
        nested = [nested]
    assert schema.shown(nested) == "a nested list"
    with pytest.raises(
        ConfigError, match=r"^f: 'hooks.branches' must be a list of strings, not a nested list$"
    ):
        schema.validate({"hooks": {"branches": nested}}, "f", declare())


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (True, "true"),
        (False, "false"),
        ("prefix", '"prefix"'),
        ('C:\\dir "x"', '"C:\\\\dir \\"x\\""'),
        (10.0, "10"),
        (2.5, "2.5"),
        (3, "3"),
        (["main", "master"], '["main", "master"]'),
        ((1.0, False), "[1, false]"),
        ((), "[]"),
    ],
)
def test_a_value_is_written_as_toml_reads_it_back(value: object, written: str) -> None:
    import tomllib

    assert schema.toml_value(value) == written
    back = tomllib.loads(f"key = {written}")["key"]
    assert back == (list(value) if isinstance(value, tuple) else value)


def test_a_kind_given_by_a_function_is_described_by_its_choices() -> None:
    assert schema.describe_kind(lambda: ("github", "gitlab")) == 'one of "github", "gitlab"'
    assert schema.kind_name(lambda: ("a", "b")) == '"a", "b"'
    assert schema.matches_kind(lambda: ("a", "b"), "b") and not schema.matches_kind(("a",), "b")
