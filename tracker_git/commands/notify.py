"""`git tracker notify`: Slack and Telegram alerts kept in `.tracker-notify.toml`, applied to
Tracker as queue triggers. plan / apply / list / remove NAME / test NAME."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from tracker_git import secrets, trust
from tracker_git.commands._prompt import read_hidden
from tracker_git.core import config, output, paths
from tracker_git.core.errors import OperationFailed, UsageError
from tracker_git.notify import apply as applying
from tracker_git.notify import build, plan, spec

if TYPE_CHECKING:
    from tracker_git.notify.apply import TriggerApi

_VERBS = {
    plan.CREATE: "create",
    plan.UPDATE: "update",
    plan.SWITCH_OFF: "switch off",
    plan.UNCHANGED: "unchanged",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Slack and Telegram alerts kept as code: each [[alert]] of .tracker-notify.toml becomes "
        "a Tracker trigger named '[tracker-git] NAME' in its queue. Triggers without that "
        "prefix are never touched. Secrets are named in the file and read from the environment, "
        "else from the OS keyring ('notify secret set NAME')."
    )
    parser.add_argument(
        "--file",
        metavar="PATH",
        help=f"the alerts file (default: {spec.DEFAULT_FILE} at the repository's top)",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("plan", help="show what apply would change, changing nothing")
    sub.add_parser("apply", help="create, update or switch off triggers to match the file")
    listing = sub.add_parser("list", help="list the managed triggers in the file's queues")
    listing.add_argument(
        "--queue", action="append", help="list this queue's instead (repeatable); no file needed"
    )
    remove = sub.add_parser("remove", help="switch off (or --delete) the trigger of alert NAME")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("--queue", help="the queue, when NAME is no longer in the file")
    remove.add_argument(
        "--delete", action="store_true", help="delete the trigger instead of switching it off"
    )
    test = sub.add_parser("test", help="send alert NAME's message, with sample values, now")
    test.add_argument("name", metavar="NAME")
    secret = sub.add_parser(
        "secret", help="store or delete a secret the file names ($NAME) in the OS keyring"
    )
    secret_sub = secret.add_subparsers(dest="secret_action", metavar="ACTION", required=True)
    store = secret_sub.add_parser(
        "set", help="store secret NAME (asked hidden, or read from stdin with --stdin)"
    )
    store.add_argument("name", metavar="NAME", help="the variable's name, without '$'")
    store.add_argument("--stdin", action="store_true", help="read the value from stdin")
    forget = secret_sub.add_parser("delete", help="delete the stored secret NAME")
    forget.add_argument("name", metavar="NAME", help="the variable's name, without '$'")


def run(args: argparse.Namespace) -> int:
    if args.action == "secret":
        return _secret(args.secret_action, args.name, getattr(args, "stdin", False))
    # The top is found without starting git: a messenger secret exported in this shell must
    # not reach a child process, and the file naming it is not read yet.
    top = paths.work_tree(os.getcwd())
    path = spec.path_for(args.file, top)
    if args.action == "remove":
        return _remove(path, args.name, args.queue, args.delete, top)
    if args.action == "list" and args.queue:
        api = _api(top)
        return _list(spec.Spec(path), applying.fetch(api, tuple(args.queue)))
    alerts = spec.load(path, tree=None if args.file else top)
    # The secrets the file names leave os.environ at once: the keyring's import and git
    # start processes of their own, and none of them is to inherit a webhook or a bot token.
    secrets.hold(alerts.secret_names)
    # Before any secret is read or any request made: where the alerts would send them.
    trust.check_messengers(alerts, args.file)
    if args.action == "test":
        alert = alerts.find(args.name)
        values = build.read_secrets(alerts, (alert,))
        trust.check_messengers(alerts, args.file, values)  # a Slack URL's server, before it goes
        where = applying.send_test(alert, values)
        output.result(f"sent a test message for '{alert.name}' to {where}")
        return 0
    if args.action == "list":
        return _list(alerts, applying.fetch(_api(top), alerts.queues))
    values = build.read_secrets(alerts)
    trust.check_messengers(alerts, args.file, values)  # before any request, let alone a trigger
    api = _api(top)
    existing = applying.fetch(api, alerts.queues)
    changes = plan.plan(build.desired(alerts, values), existing)
    if args.action == "plan":
        _show(changes, path)
        return 0
    applying.warn_telegram_once(changes)
    done = applying.apply(api, [c for c in changes if c.changes_anything])
    for item in done:
        output.result(
            f"{item.change.queue}: {_VERBS[item.change.kind]} '{item.change.name}' (trigger {item.trigger_id})"
        )
    output.info(
        _summary(changes, done=True) if done else "nothing to change: Tracker matches the file"
    )
    return 0


def _api(top: str | None) -> TriggerApi:
    from tracker_git import account
    from tracker_git.tracker.triggers import Triggers

    return Triggers(account.connect(config.load(top)))


def _show(changes: list[plan.Change], path: str) -> None:
    for change in changes:
        if change.kind == plan.UNCHANGED:
            output.result(f"{change.queue}: '{change.name}' unchanged")
            continue
        why = " (no longer in the file)" if change.kind == plan.SWITCH_OFF else ""
        output.result(f"{change.queue}: {_VERBS[change.kind]} '{change.name}'{why}")
        for line in change.lines:
            color = {"+": "32", "-": "31"}.get(line[:1])
            output.result("    " + line, color or "")
    output.info(_summary(changes) if any(c.changes_anything for c in changes) else
                f"no changes: Tracker matches {path}")  # fmt: skip


def _summary(changes: list[plan.Change], done: bool = False) -> str:
    counts = {kind: sum(1 for c in changes if c.kind == kind) for kind in _VERBS}
    past = {plan.CREATE: "created", plan.UPDATE: "updated", plan.SWITCH_OFF: "switched off"}
    parts = [
        f"{counts[kind]} {past[kind]}" if done else f"{counts[kind]} to {_VERBS[kind]}"
        for kind in _VERBS
        if kind != plan.UNCHANGED and counts[kind]
    ]
    if counts[plan.UNCHANGED]:
        parts.append(f"{counts[plan.UNCHANGED]} unchanged")
    return ("applied: " if done else "plan: ") + ", ".join(parts)


def _list(alerts: spec.Spec, existing: dict[str, list[dict[str, object]]]) -> int:
    names = {(a.queue, a.name) for a in alerts.alerts}
    found = 0
    for queue, triggers in sorted(existing.items()):
        for trigger in triggers:
            name = build.alert_name(str(trigger.get("name", "")))
            if name is None:
                continue
            found += 1
            state = "on" if trigger.get("active", True) else "off"
            where = "in the file" if (queue, name) in names else "not in the file"
            output.result(f"{queue}  {name}  [{state}, {where}, trigger {trigger.get('id')}]")
            for line in plan.describe(trigger, {})[1:]:
                output.result(f"    {line}")
    missing = [
        a
        for a in alerts.alerts
        if not any(
            build.alert_name(str(t.get("name", ""))) == a.name for t in existing.get(a.queue, [])
        )
    ]
    for alert in missing:
        output.result(
            f"{alert.queue}  {alert.name}  [not in Tracker yet: run 'git tracker notify apply']"
        )
    if not found and not missing:
        output.info("no managed triggers")
    return 0


def _remove(path: str, name: str, queue: str | None, delete: bool, top: str | None) -> int:
    in_file = None
    if os.path.exists(path):
        alerts = spec.load(path)
        in_file = next((a for a in alerts.alerts if a.name == name), None)
    queue = queue or (in_file.queue if in_file else None)
    if queue is None:
        raise UsageError(f"alert '{name}' is not in {path}; say which queue with --queue QUEUE")
    api = _api(top)
    found = applying.find_managed(api.list(queue), name)
    if not found:
        raise OperationFailed(
            f"queue {queue} has no trigger '{build.trigger_name(name)}'; "
            "'git tracker notify list' shows the managed ones"
        )
    for trigger in found:
        tid = int(str(trigger["id"]))
        if delete:
            api.delete(queue, tid)
        elif trigger.get("active", True):
            api.update(queue, tid, int(str(trigger.get("version", 1))), {"active": False})
        output.result(
            f"{queue}: {'deleted' if delete else 'switched off'} '{name}' (trigger {tid})"
        )
    if in_file is not None:
        output.warn(
            f"'{name}' is still in {path}: the next 'notify apply' puts it back; "
            "delete the [[alert]] there too"
        )
    return 0


def _secret(action: str, name: str, from_stdin: bool) -> int:
    """`notify secret set|delete NAME`: the keyring entry `secret:<NAME>`; no file or repository
    needed, so a secret can be stored before the alert that names it exists."""
    if action == "delete":
        if secrets.delete_named_secret(name):
            output.result(f"Removed the stored secret {name}.")
        else:
            output.info(f"no secret {name} was stored in the keyring")
        return 0
    secrets.secret_account(name)  # a bad name fails before the value is asked for
    account = secrets.store_named_secret(name, _read_value(name, from_stdin))
    output.result(f"Stored {name} in the keyring ({secrets.SERVICE} / {account}).")
    if secrets.in_environment(name):
        output.warn(f"{name} is also set in this shell, and the environment wins over the keyring")
    return 0


def _read_value(name: str, from_stdin: bool) -> str:
    """The value from stdin (--stdin) or a hidden prompt; never echoed."""
    pipe_it = f"... | git tracker notify secret set {name} --stdin"
    prompt = f"Paste the value of {name} (hidden): "
    return secrets.check_secret_text(read_hidden(from_stdin, name, pipe_it, prompt))
