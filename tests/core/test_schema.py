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
