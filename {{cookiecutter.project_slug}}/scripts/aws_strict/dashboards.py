"""CloudWatch dashboard bodies as PutDashboard validates them, from the documented "Dashboard Body Structure
and Syntax": widget types, positions and sizes, metric widgets (a region, `metrics` as an array of metric
arrays or expression arrays, rendering properties, ids, expressions over those ids, periods, statistics,
views, annotations), alarm, text and log widgets, and the per-widget and per-dashboard metric limits.

A refusal is worded as CloudWatch's: "The dashboard body is invalid, there are N validation errors:"
followed by the list of {dataPath, message}. What the reference describes but does not say CloudWatch
refuses (an odd number of dimension fields, "." on the first row, a rendering property it does not list)
is advice."""
from __future__ import annotations

import json
import re

from aws_strict.errors import ADVICE, Refusal
from aws_strict.metric_math import expression_problems

WIDGET_TYPES = ("metric", "text", "log", "alarm", "explorer", "custom")
VIEWS = ("timeSeries", "singleValue", "gauge", "bar", "pie", "table")
RENDERING_KEYS = {"color", "label", "period", "stat", "visible", "yAxis", "id", "region", "accountId"}
EXPRESSION_KEYS = {"expression", "label", "id", "color", "period", "stat", "visible", "yAxis", "region", "accountId"}
STATISTIC = re.compile(r"SampleCount|Average|Sum|Minimum|Maximum|IQM|(p|tc|tm|ts|wm)(\d{1,2}(\.\d{0,10})?|100)"
                       r"|(TM|TC|TS|WM|PR)\(.+\)")
ID = re.compile(r"[a-z][A-Za-z0-9_]{0,254}")
COLOR = re.compile(r"#[0-9a-fA-F]{6}")
METRICS_MESSAGE = ('Field "metrics" has to be an array of array of strings, with an optional metricRenderer object '
                   "as last element")
MAX_WIDGETS = 500
MAX_METRICS_PER_WIDGET = 500
MAX_METRICS_PER_DASHBOARD = 2500


def valid_period(period: object) -> bool:
    """60 or a multiple of it; 1, 5, 10 and 30 for high-resolution metrics."""
    return isinstance(period, int) and not isinstance(period, bool) and (period in (1, 5, 10, 30) or (
        period >= 60 and period % 60 == 0))


def refusal(found: list[str]) -> Refusal:
    errors = [json.loads(item) for item in found if not item.startswith(ADVICE)]
    return Refusal("InvalidParameterInput", f"The dashboard body is invalid, there are {len(errors)} validation "
                   f"errors: {json.dumps(errors)}")


def error(path: str, message: str) -> str:
    return json.dumps({"dataPath": path, "message": message})


def problems(body: str) -> list[str]:
    """CloudWatch's validation errors for a dashboard body, each a JSON {dataPath, message}."""
    try:
        dashboard = json.loads(body)
    except ValueError as problem:
        return [error("", f"The dashboard body is not valid JSON: {problem}")]
    if not isinstance(dashboard, dict):
        return [error("", "Should be object")]
    widgets = dashboard.get("widgets")
    if not isinstance(widgets, list):
        return [error("", "Should have required property 'widgets'")]
    found = []
    if len(widgets) > MAX_WIDGETS:
        found.append(error("/widgets", f"Should NOT have more than {MAX_WIDGETS} items"))
    if dashboard.get("periodOverride") not in (None, "auto", "inherit"):
        found.append(error("/periodOverride", "Should be equal to one of the allowed values: auto, inherit"))
    total = 0
    for index, widget in enumerate(widgets):
        widget_problems, metrics = widget_errors(widget, f"/widgets/{index}")
        found += widget_problems
        total += metrics
    if total > MAX_METRICS_PER_DASHBOARD:
        found.append(error("/widgets", f"A dashboard may have at most {MAX_METRICS_PER_DASHBOARD} metrics, "
                           f"has {total}"))
    return found


def widget_errors(widget: object, path: str) -> tuple[list[str], int]:
    if not isinstance(widget, dict):
        return [error(path, "Should be object")], 0
    kind = widget.get("type")
    found = position_errors(widget, path)
    if kind not in WIDGET_TYPES:
        found.append(error(f"{path}/type", f"Should be equal to one of the allowed values: {', '.join(WIDGET_TYPES)}"))
    properties = widget.get("properties")
    if not isinstance(properties, dict):
        return [*found, error(path, "Should have required property 'properties'")], 0
    path = f"{path}/properties"
    if kind == "metric":
        metric_problems, count = metric_widget_errors(properties, path)
        return found + metric_problems, count
    if kind == "alarm":
        alarms = properties.get("alarms")
        if not isinstance(alarms, list) or not 1 <= len(alarms) <= 100 or not all(
                isinstance(arn, str) and arn.startswith("arn:") for arn in alarms):
            found.append(error(f"{path}/alarms", "Should be an array of 1 to 100 alarm ARNs"))
    elif kind == "text" and not isinstance(properties.get("markdown"), str):
        found.append(error(path, "Should have required property 'markdown'"))
    elif kind == "log":
        found += [error(path, f"Should have required property '{name}'") for name in ("query", "region")
                  if not isinstance(properties.get(name), str)]
    return found, 0


def position_errors(widget: dict, path: str) -> list[str]:
    found = []
    for field, low, high in (("x", 0, 23), ("y", 0, None), ("width", 1, 24), ("height", 1, 1000)):
        value = widget.get(field)
        if value is not None and (not isinstance(value, int) or value < low or (high is not None and value > high)):
            found.append(error(f"{path}/{field}", f"Should be an integer from {low}" + (f" to {high}" if high else "")))
    if ("x" in widget) != ("y" in widget):
        found.append(error(path, "Should have both properties 'x' and 'y', or neither"))
    return found


def metric_widget_errors(properties: dict, path: str) -> tuple[list[str], int]:
    found = []
    metrics = properties.get("metrics")
    alarm_annotation = (properties.get("annotations") or {}).get("alarms")
    if not isinstance(properties.get("region"), str) or (metrics is None and not alarm_annotation):
        found.append(error(path, "The metric widget should have specified a region and a data source or an alarm "
                           "annotation"))
    if properties.get("view") not in (None, *VIEWS):
        found.append(error(f"{path}/view", f"Should be equal to one of the allowed values: {', '.join(VIEWS)}"))
    if properties.get("period") is not None and not valid_period(properties["period"]):
        found.append(error(f"{path}/period", "Should be 1, 5, 10, 30 or a multiple of 60"))
    if properties.get("stat") is not None and not STATISTIC.fullmatch(str(properties["stat"])):
        found.append(error(f"{path}/stat", f"Invalid statistic {properties['stat']}"))
    found += annotation_errors(properties.get("annotations"), f"{path}/annotations")
    if metrics is None:
        return found, 0
    if not isinstance(metrics, list):
        return [*found, error(f"{path}/metrics", "Should be array")], 0
    if len(metrics) > MAX_METRICS_PER_WIDGET:
        found.append(error(f"{path}/metrics", f"Should NOT have more than {MAX_METRICS_PER_WIDGET} items"))
    renderers = [row[-1] for row in metrics if isinstance(row, list) and row and isinstance(row[-1], dict)]
    ids = [renderer["id"] for renderer in renderers if "id" in renderer]
    if len(set(ids)) != len(ids):
        found.append(error(f"{path}/metrics", f"The ids must be unique in a widget, got {ids}"))
    for index, row in enumerate(metrics):
        found += row_errors(row, f"{path}/metrics/{index}", set(ids), previous=metrics[index - 1] if index else None)
    return found, len(metrics)


def row_errors(row: object, path: str, ids: set[str], previous: object) -> list[str]:
    if not isinstance(row, list) or not row:
        return [error(path, "Should be array"), error(path, METRICS_MESSAGE)]
    renderer = row[-1] if isinstance(row[-1], dict) else None
    names = row[:-1] if renderer is not None else row
    if renderer is not None and "expression" in renderer:
        found = [] if not names else [error(path, METRICS_MESSAGE)]
        found += [ADVICE + error(path, f"'{key}' is not a documented rendering property")
                  for key in renderer.keys() - EXPRESSION_KEYS]
        found += [error(f"{path}/0/expression", problem)
                  for problem in expression_problems(str(renderer["expression"]), ids - {renderer.get("id")})]
        return found + renderer_errors(renderer, path)
    if any(not isinstance(name, str) for name in names) or any(isinstance(item, dict) for item in names):
        return [error(path, METRICS_MESSAGE)]
    found = []
    if len(names) < 2 or len(names) % 2:
        found.append(ADVICE + error(path, "A metric is a namespace, a metric name and dimension name and value pairs"))
    if "." in names[:2] and not isinstance(previous, list):
        found.append(ADVICE + error(path, "'.' repeats the previous metric's field, and there is none"))
    if renderer is not None:
        found += [ADVICE + error(path, f"'{key}' is not a documented rendering property")
                  for key in renderer.keys() - RENDERING_KEYS]
        found += renderer_errors(renderer, path)
    return found


def renderer_errors(renderer: dict, path: str) -> list[str]:
    found = []
    if "id" in renderer and not ID.fullmatch(str(renderer["id"])):
        found.append(error(f"{path}/id", "The id must start with a lowercase letter and have only letters, numbers "
                           "and underscores"))
    if "color" in renderer and not COLOR.fullmatch(str(renderer["color"])):
        found.append(error(f"{path}/color", "Should be a six-digit HTML hex color code"))
    if "stat" in renderer and not STATISTIC.fullmatch(str(renderer["stat"])):
        found.append(error(f"{path}/stat", f"Invalid statistic {renderer['stat']}"))
    if "visible" in renderer and not isinstance(renderer["visible"], bool):
        found.append(error(f"{path}/visible", "Should be boolean"))
    if renderer.get("yAxis") not in (None, "left", "right"):
        found.append(error(f"{path}/yAxis", "Should be equal to one of the allowed values: left, right"))
    if renderer.get("period") is not None and not valid_period(renderer["period"]):
        found.append(error(f"{path}/period", "Should be 1, 5, 10, 30 or a multiple of 60"))
    return found


def annotation_errors(annotations: object, path: str) -> list[str]:
    if annotations is None:
        return []
    if not isinstance(annotations, dict):
        return [error(path, "Should be object")]
    found = []
    for direction, kind in (("horizontal", (int, float)), ("vertical", str)):
        for index, item in enumerate(annotations.get(direction) or []):
            entries = item if isinstance(item, list) else [item]
            for entry in entries:
                if not isinstance(entry, dict) or not isinstance(entry.get("value"), kind) or isinstance(
                        entry.get("value"), bool):
                    found.append(error(f"{path}/{direction}/{index}", "Should have required property 'value'"))
    return found
