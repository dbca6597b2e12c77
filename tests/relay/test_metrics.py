"""/metrics per instance: this process's counters labelled with the process, beside the
queue's gauges (the same on every instance); and the Grafana dashboard in docs/ queries only
metrics the relay serves."""

from __future__ import annotations

import json
import re
from pathlib import Path

import requests

from testing.servers import SandboxHandle
from tests.relay.helpers import (
    Relay,
    start_relay_process,
    stop_relay_process,
    wait_until,
    write_config,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = re.compile(r'^(tracker_git_relay_\w+)(\{process="([^"]+)"\})? (\d+)$')


def scrape(relay: Relay) -> dict[str, dict[str, int]]:
    """metric -> {process label or "": value}."""
    found: dict[str, dict[str, int]] = {}
    for line in requests.get(relay.url + "/metrics", timeout=10).text.splitlines():
        if line and not line.startswith("#"):
            match = SAMPLE.match(line)
            assert match, line
            found.setdefault(match[1], {})[match[3] or ""] = int(match[4])
    return found


def refused(relay: Relay, times: int) -> None:
    for _ in range(times):
        answer = requests.post(
            relay.url + "/webhook/github",
            data=b"{}",
            headers={"X-GitHub-Event": "push", "X-Hub-Signature-256": "sha256=" + "0" * 64},
            timeout=10,
        )
        assert answer.status_code == 401


def test_sums_over_instances_count_each_delivery_once(
    tmp_path: Path, sandbox: SandboxHandle, postgres_url: str
) -> None:
    config = write_config(tmp_path, sandbox, database=postgres_url)
    a, b = start_relay_process(config), start_relay_process(config)
    try:
        refused(a, 3)
        refused(b, 2)
        # The queue's gauges: every process's counts once they reached the database.
        wait_until(
            lambda: all(scrape(r)["tracker_git_relay_queue_rejected"] == {"": 5} for r in (a, b))
        )
        mine_a = scrape(a)["tracker_git_relay_rejected_total"]
        mine_b = scrape(b)["tracker_git_relay_rejected_total"]
        assert list(mine_a.values()) == [3] and list(mine_b.values()) == [2]
        assert set(mine_a).isdisjoint(mine_b)  # two series: a sum over both is 5
        assert a.process and b.process
        assert f":{a.process.pid}:" in next(iter(mine_a))  # host:pid:start
        assert f":{b.process.pid}:" in next(iter(mine_b))
    finally:
        stop_relay_process(a)
        stop_relay_process(b)


def test_the_grafana_dashboard_queries_metrics_the_relay_serves(relay: Relay) -> None:
    served = set(scrape(relay))
    dashboard = json.loads((ROOT / "docs" / "grafana-relay.json").read_text())
    expressions = [
        target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])
    ]
    assert len(expressions) >= 5
    queried = {name for expr in expressions for name in re.findall(r"tracker_git_relay_\w+", expr)}
    assert queried and queried <= served, sorted(queried - served)
