"""deploy/observability: the Grafana dashboard and the Prometheus alert rules parse, cover what an operator
watches, and name only metrics the services really expose on /metrics."""
from __future__ import annotations

import json
import re

import yaml

from shared.settings import REPO_ROOT
from tests.metrics_kit import scrape

FOLDER = REPO_ROOT / "deploy" / "observability"
SERIES_SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created"),
                   "gauge": ("",), "summary": ("", "_count", "_sum", "_created"), "info": ("_info",),
                   "unknown": ("",)}
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
                "offset", "inf", "nan"}


def exposed_names(suite) -> set[str]:
    """Every series name the three services can expose (declared families, with or without samples yet)."""
    names: set[str] = set()
    for svc in ("gateway", "mediation", "lawyers"):
        for family in scrape(suite.url[svc]).families.values():
            names |= {family.name + suffix for suffix in SERIES_SUFFIXES[family.type]}
    return names


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (label matchers, ranges, grouping and functions removed)."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    e = re.sub(r"\{[^}]*\}", "", e)
    e = re.sub(r"\[[^\]]*\]", "", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", e)
    e = re.sub(r"\b\d+(\.\d+)?(e[+-]?\d+)?\b", "", e)
    found = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", e):
        rest = e[m.end():].lstrip()
        if rest.startswith("(") or m.group(0).lower() in PROMQL_WORDS:
            continue  # a function or an operator word
        found.add(m.group(0))
    return found


def test_metric_names_are_read_from_promql():
    assert metric_names('sum by (service, le) (rate(x_bucket{a="b",c=~"5.."}[5m])) / clamp_min(y, 1e-9) > 0.05') \
        == {"x_bucket", "y"}
    assert metric_names("max by (s) (a / b) > 60 or max(c) > 1000") == {"a", "b", "c"}


def dashboard_exprs() -> list[str]:
    dash = json.loads((FOLDER / "grafana-dashboard.json").read_text(encoding="utf-8"))
    assert dash["title"] and dash["uid"] and dash["schemaVersion"] >= 36
    exprs = []
    for panel in dash["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["title"] and panel["targets"], panel
        assert panel["datasource"]["uid"] == "${datasource}"  # the dashboard's Prometheus variable
        exprs += [t["expr"] for t in panel["targets"]]
    return exprs


def alert_rules() -> list[dict]:
    doc = yaml.safe_load((FOLDER / "alerts.rules.yaml").read_text(encoding="utf-8"))
    rules = [r for g in doc["groups"] for r in g["rules"]]
    for r in rules:
        assert set(r) <= {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}, r
        assert r["labels"]["severity"] in ("warning", "critical") and r["annotations"]["summary"], r
        assert re.fullmatch(r"\d+[smh]", r.get("for", "0s")), r
    return rules


def test_the_alerts_cover_what_an_operator_is_woken_for():
    read = {name for r in alert_rules() for name in metric_names(r["expr"])}
    for metric in ("outbox_oldest_pending_age_seconds", "dead_letters_waiting", "webhook_delivery_failures_total",
                   "http_requests_total", "db_pool_checked_out", "db_pool_limit", "hub_backlog_deliveries",
                   "hub_oldest_pending_age_seconds"):
        assert metric in read, metric


def test_every_metric_in_the_dashboard_and_the_alerts_is_exposed_by_the_services(suite):
    exposed = exposed_names(suite)
    named = {(where, name) for where, exprs in (("dashboard", dashboard_exprs()),
                                                ("alerts", [r["expr"] for r in alert_rules()]))
             for e in exprs for name in metric_names(e)}
    assert len(named) > 15
    missing = sorted(f"{where}: {name}" for where, name in named if name not in exposed)
    assert not missing, missing
    # and the dashboard shows every family the suite exposes for operators
    shown = {name for where, name in named if where == "dashboard"}
    for family in ("upstream_request_duration_seconds_bucket", "rate_limit_refusals_total",
                   "job_duration_seconds_bucket", "db_pool_size", "outbox_pending_events",
                   "webhook_delivery_failures_total"):
        assert family in shown, family
