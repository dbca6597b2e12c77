"""One schema format for every TOML file of tracker-git (`.tracker-git.toml` and the user's
`config.toml`, the relay's config, `.tracker-notify.toml`).

A file's schema is a few `Section` classes; each key is declared once, as a class attribute,
with its kind, its default and a one-line doc string:

    class Hooks(Section, name="hooks"):
        online = flag(False, "ask Tracker whether the issue exists")

The same declarations validate a parsed file (`validate`: every mistake names the file, the key
and what was expected), give typed, read-only access to the values (`Hooks(values).online` is a
`bool` for mypy) and write the reference in the man page and the docs (`reference`).

The hooks load the main configuration on every commit, so this module is stdlib-only and
imports nothing at all at run time (typing is for mypy only: `TYPE_CHECKING` is False).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import Any, ClassVar, Protocol, TypeVar, overload

    T_co = TypeVar("T_co", covariant=True)

# A kind is "str", "url" (a string of printable characters only: an address, which a terminal
# must not be able to show as another one), "bool", "number" (> 0), "count" (>= 0), "strings"
# (a list of strings), "queues" (a list of queue keys, keys.is_queue_key), "table" (a TOML
# table, checked by its reader), "tables" (an array of tables), or the allowed
# strings: a tuple, or a function that gives it (imports what it needs only when asked).
_KIND_TEXT = {
    "str": "a string",
    "url": "an address of printable characters (no control or invisible ones)",
    "bool": "true or false",
    "number": "a positive number",
    "count": "a number, 0 or more",
    "strings": "a list of strings",
    "queues": "a list of queue keys",
    "table": "a table",
    "tables": "a list of tables, written [[name]]",
}
# How the reference names a kind (the man page, docs/configuration.md).
_KIND_NAME = {
    "str": "string",
    "url": "string",
    "bool": "boolean",
    "number": "number > 0",
    "count": "number >= 0",
    "strings": "list of strings",
    "queues": "list of queue keys",
    "table": "table",
    "tables": "array of tables",
}


def describe_kind(kind: object) -> str:
    """What a value of `kind` must be, for an error message ("one of ...", "a string")."""
    if callable(kind):
        kind = kind()
    if isinstance(kind, tuple):
        return "one of " + ", ".join(f'"{choice}"' for choice in kind)
    if kind == "queues":
        from tracker_git.core.keys import QUEUE_RULE

        return f"{_KIND_TEXT['queues']} ({QUEUE_RULE})"
    return _KIND_TEXT[str(kind)]


def kind_name(kind: object) -> str:
    """A kind for the reference: "string", "boolean", `"a", "b"` (one of them)."""
    if callable(kind):
        kind = kind()
    if isinstance(kind, tuple):
        return ", ".join(f'"{choice}"' for choice in kind)
    return _KIND_NAME[str(kind)]


def matches_kind(kind: object, value: object) -> bool:
    """Whether a TOML value is of `kind`."""
    if callable(kind):
        kind = kind()
    if isinstance(kind, tuple):
        return value in kind
    if kind == "str":
        return isinstance(value, str)
    if kind == "url":  # no C0, C1, DEL, bidi or other invisible character (str.isprintable)
        return isinstance(value, str) and value.isprintable()
    if kind == "bool":
        return isinstance(value, bool)
    if kind in ("number", "count"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return False
        return value > 0 if kind == "number" else value >= 0
    if kind == "table":
        return isinstance(value, dict)
    if kind == "tables":
        return isinstance(value, list) and all(isinstance(item, dict) for item in value)
    if kind == "queues":
        return isinstance(value, list) and not _bad_queues(value)
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _bad_queues(value: list[object]) -> list[object]:
    from tracker_git.core.keys import is_queue_key

    return [item for item in value if not isinstance(item, str) or not is_queue_key(item)]


def shown(value: object, limit: int = 80) -> str:
    """A value from a file, for a message: its repr, cut to `limit` characters (a nested or
    huge value must not make the message itself fail or flood the terminal)."""
    try:
        text = repr(value)
    except RecursionError:
        text = f"a nested {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def dotted(section: str, key: str) -> str:
    """How a message and the reference name a key: "hooks.online", "queues"."""
    return f"{section}.{key}" if section else key


class _Key:
    """One key of a section: its kind, default and doc; read on a section's instance, it is
    that instance's value (mypy sees `Key[T]`, below)."""

    __slots__ = ("default", "doc", "kind", "name", "path", "section", "shown_default")

    def __init__(self, kind: object, default: object, doc: str, shown_default: str) -> None:
        self.kind = kind
        self.default = default
        self.doc = doc
        self.shown_default = shown_default  # for the reference, where the default is not a value
        self.section = self.name = ""
        self.path = ("", "")

    def bound(self, section: str, name: str) -> _Key:
        key = _Key(self.kind, self.default, self.doc, self.shown_default)
        key.section, key.name, key.path = section, name, (section, name)
        return key

    @property
    def dotted(self) -> str:
        return dotted(self.section, self.name)

    def __get__(self, obj: object, owner: object = None) -> object:
        if obj is None:
            return self
        return obj._values[self.path]  # type: ignore[attr-defined]

    def __set__(self, obj: object, value: object) -> None:
        raise AttributeError(f"the configuration is read-only ({self.dotted})")

    def __repr__(self) -> str:
        return f"<key {self.dotted}>"


if TYPE_CHECKING:

    class Key(Protocol[T_co]):
        """What mypy sees of a key: on a Section instance its value, on the class the key."""

        kind: object
        doc: str
        shown_default: str
        section: str
        name: str
        path: tuple[str, str]
        dotted: str

        @property
        def default(self) -> T_co: ...
        def bound(self, section: str, name: str) -> Key[T_co]: ...
        @overload
        def __get__(self, obj: None, owner: object = None) -> Key[T_co]: ...
        @overload
        def __get__(self, obj: Section, owner: object = None) -> T_co: ...

else:
    Key = _Key


def text(default: str, doc: str, shown_default: str = "") -> Key[str]:
    return _Key("str", default, doc, shown_default)  # type: ignore[return-value]


def url(default: str, doc: str, shown_default: str = "") -> Key[str]:
    """An address: a string refused if it holds a control or invisible character."""
    return _Key("url", default, doc, shown_default)  # type: ignore[return-value]


def flag(default: bool, doc: str, shown_default: str = "") -> Key[bool]:
    return _Key("bool", default, doc, shown_default)  # type: ignore[return-value]


def number(default: float, doc: str, shown_default: str = "") -> Key[float]:
    """A number > 0; read as a float."""
    return _Key("number", default, doc, shown_default)  # type: ignore[return-value]


def count(default: float, doc: str, shown_default: str = "") -> Key[float]:
    """A number >= 0; read as a float."""
    return _Key("count", default, doc, shown_default)  # type: ignore[return-value]


def strings(default: tuple[str, ...], doc: str, shown_default: str = "") -> Key[tuple[str, ...]]:
    return _Key("strings", default, doc, shown_default)  # type: ignore[return-value]


def queue_keys(default: tuple[str, ...], doc: str, shown_default: str = "") -> Key[tuple[str, ...]]:
    """A list of queue keys (Tracker's rule, core/keys.py), upper-cased by its reader."""
    return _Key("queues", default, doc, shown_default)  # type: ignore[return-value]


def choice(
    choices: tuple[str, ...] | Callable[[], tuple[str, ...]],
    default: str,
    doc: str,
    shown_default: str = "",
) -> Key[str]:
    return _Key(choices, default, doc, shown_default)  # type: ignore[return-value]


def table(doc: str, shown_default: str = "") -> Key[dict[str, object]]:
    """A table whose reader checks it (a notify alert's `slack`, `equals`)."""
    return _Key("table", None, doc, shown_default)  # type: ignore[return-value]


def tables(doc: str, shown_default: str = "") -> Key[list[dict[str, object]]]:
    """An array of tables whose reader checks them (`[[alert]]`)."""
    return _Key("tables", None, doc, shown_default)  # type: ignore[return-value]


class Section:
    """A table of a file (`name` "" is the top level), read-only: its keys are its class
    attributes. An instance reads its values from a mapping of (section, key) -> value."""

    NAME = ""
    HEADER = ""  # how the reference writes a key's table before its name: "[hooks] "
    KEYS: ClassVar[tuple[Key[Any], ...]] = ()
    BY_NAME: ClassVar[dict[str, Key[Any]]] = {}
    __slots__ = ("_values",)

    def __init_subclass__(cls, name: str = "", header: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.NAME = name
        cls.HEADER = header or (f"[{name}] " if name else "")
        bound: dict[str, Key[Any]] = {}
        if cls.__bases__ != (Section,):
            for base in cls.__mro__[-3:0:-1]:  # a template section's keys, bound to this one
                for key in base.KEYS:  # type: ignore[attr-defined]
                    bound[key.name] = copy = key.bound(name, key.name)
                    setattr(cls, key.name, copy)
        # Declared here: bound in place (the hooks create these classes on every commit). The
        # copies set above are in cls.__dict__ too, bound already.
        for attr, value in cls.__dict__.items():
            if isinstance(value, _Key) and attr not in bound:
                value.section, value.name, value.path = name, attr, (name, attr)
                bound[attr] = value  # type: ignore[assignment]
        cls.KEYS = tuple(bound.values())
        cls.BY_NAME = bound

    def __init__(self, values: Mapping[tuple[str, str], object]) -> None:
        object.__setattr__(self, "_values", values)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"the configuration is read-only ({name})")


def keys_of(sections: Iterable[type[Section]]) -> dict[tuple[str, str], Key[Any]]:
    """(section, key) -> Key, for every key of `sections`."""
    return {key.path: key for section in sections for key in section.KEYS}


def defaults(sections: Iterable[type[Section]]) -> dict[tuple[str, str], object]:
    return {key.path: key.default for section in sections for key in section.KEYS}


def normal(key: Key[Any], value: object) -> object:
    """A valid value as the accessors give it: lists as tuples, numbers as floats."""
    if isinstance(value, list):
        return tuple(value)
    if key.kind in ("number", "count"):
        return float(value)  # type: ignore[arg-type]
    return value


def validate(
    data: Mapping[str, object],
    origin: str,
    sections: Iterable[type[Section]],
    unknown: list[str] | None = None,
) -> dict[tuple[str, str], object]:
    """Flatten a parsed TOML document into (section, key) -> value, or raise ConfigError naming
    the file, the key and what was expected. With `unknown` (a list), a key the schema does not
    declare is not an error: its message ("unknown key ..., ignored") is added to the list and
    the key left out (a setting of a newer tracker-git must not break an older one)."""
    from tracker_git.core.errors import ConfigError

    schema = keys_of(sections)
    names = {section for section, _ in schema if section}
    flat: dict[tuple[str, str], object] = {}
    for name, value in data.items():
        if name in names:
            if not isinstance(value, dict):
                raise ConfigError(f"{origin}: [{name}] must be a table, not {shown(value)}")
            items = [(name, key, item) for key, item in value.items()]
        else:
            items = [("", name, value)]
        for section, key, item in items:
            declared = schema.get((section, key))
            if declared is None:
                problem = _unknown(origin, section, key, item, schema, names, unknown)
                if unknown is None:
                    raise ConfigError(problem)
                unknown.append(problem)
                continue
            if not matches_kind(declared.kind, item):
                if declared.kind == "queues" and isinstance(item, list):
                    item = _bad_queues(item)[0]  # the one value that breaks the rule
                raise ConfigError(
                    f"{origin}: '{dotted(section, key)}' must be "
                    f"{describe_kind(declared.kind)}, not {shown(item)}"
                )
            flat[(section, key)] = item
    return flat


def _unknown(
    origin: str,
    section: str,
    key: str,
    value: object,
    schema: Mapping[tuple[str, str], object],
    names: set[str],
    ignored: object,
) -> str:
    """The message for a key (or table) the schema lacks, with the one it is likely a
    misspelling of, else the keys (tables) there are; "ignored" when it is only a note."""
    import difflib

    if not key.isprintable() or len(key) > 60:  # a cloned file's key reaches the terminal
        key = repr(key)[1:-1]  # escaped, and quoted once below with the rest
        key = key if len(key) <= 60 else key[:57] + "..."
    if not section and isinstance(value, dict):
        what, here = f"table [{key}]", [f"[{name}]" for name in sorted(names)]
        written = f"[{key}]"
    else:
        written = dotted(section, key)
        what, here = f"key '{written}'", sorted(dotted(s, k) for s, k in schema if s == section)
    close = difflib.get_close_matches(written, here, n=1, cutoff=0.8)
    hint = f"did you mean {close[0]}?" if close else f"known here: {', '.join(here)}"
    return f"{origin}: unknown {what}{' (ignored)' if ignored is not None else ''}; {hint}"


def toml_value(value: object) -> str:
    """A default as TOML writes it: "prefix", false, 10, ["main", "master"]."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return str(value)


def reference(sections: Iterable[type[Section]]) -> list[tuple[str, str, str, str]]:
    """(key as written in the file, kind, default, doc) for every key, in declaration order:
    what the man page and the docs list. A default in backquotes is a TOML value; otherwise it
    says where the value comes from."""
    rows: list[tuple[str, str, str, str]] = []
    for section in sections:
        for key in section.KEYS:
            written = section.HEADER + key.name
            default = key.shown_default or (
                "" if key.default is None else f"`{toml_value(key.default)}`"
            )
            rows.append((written, kind_name(key.kind), default, key.doc))
    return rows
