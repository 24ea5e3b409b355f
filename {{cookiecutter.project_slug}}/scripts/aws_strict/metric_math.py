"""Metric math as CloudWatch reads it (the user guide's "Using metric math", PutMetricAlarm's reference):
expressions are parsed (uppercase functions that exist, ids that were defined, balanced parentheses), and an
alarm's metric queries follow the alarm rules: at most 10 metrics and 10 expressions, unique ids that start
with a lowercase letter, exactly one query returning data, no SEARCH, and none of the single-metric fields."""
from __future__ import annotations

import re

from aws_strict.errors import Refusal

FUNCTIONS = frozenset({
    "ABS", "ANOMALY_DETECTION_BAND", "AVG", "CEIL", "DATAPOINT_COUNT", "DB_PERF_INSIGHTS", "DIFF", "DIFF_TIME",
    "FILL", "FIRST", "LAST", "FLOOR", "IF", "INSIGHT_RULE_METRIC", "LOG", "LOG10", "MAX", "METRIC_COUNT", "METRICS",
    "MIN", "MINUTE", "HOUR", "DAY", "DATE", "MONTH", "YEAR", "EPOCH", "PERIOD", "RATE", "REMOVE_EMPTY",
    "RUNNING_SUM", "SEARCH", "SERVICE_QUOTA", "SLICE", "SORT", "STDDEV", "SUM", "TIME_SERIES", "LAMBDA",
})
KEYWORDS = frozenset({"AND", "OR", "REPEAT", "LINEAR", "ASC", "DESC"})  # words that are not functions or ids
ID = re.compile(r"[a-z][A-Za-z0-9_]{0,254}")
TOKEN = re.compile(r"\s*(?:(?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)|(?P<word>[A-Za-z_][A-Za-z0-9_]*)"
                   r"|(?P<string>'[^']*'|\"[^\"]*\")|(?P<operator>==|!=|<=|>=|&&|\|\||[-+*/^<>(),\[\]]))")
SINGLE_METRIC_FIELDS = ("Namespace", "MetricName", "Dimensions", "Period", "Unit", "Statistic", "ExtendedStatistic")
MAX_METRICS = 10
MAX_EXPRESSIONS = 10


def refusal(found: list[str]) -> Refusal:
    return Refusal("ValidationError", "; ".join(found))


def expression_problems(expression: str, ids: set[str]) -> list[str]:
    """Why CloudWatch cannot evaluate `expression` when the queries define `ids`. A Metrics Insights query
    (SELECT ...) has a grammar of its own, which is not parsed here."""
    if expression.lstrip().upper().startswith("SELECT "):
        return []
    found, depth, position = [], 0, 0
    while position < len(expression) and expression[position:].strip():
        match = TOKEN.match(expression, position)
        if not match:
            found.append(f"Error in expression '{expression}': unexpected {expression[position:].strip()[:10]!r}")
            break
        position = match.end()
        depth += {"(": 1, ")": -1}.get(match.group("operator") or "", 0)
        if depth < 0:
            found.append(f"Error in expression '{expression}': unbalanced ')'")
            depth = 0
        if match.group("word"):
            found += word_problems(expression, match.group("word"), expression[position:].lstrip().startswith("("), ids)
    if depth:
        found.append(f"Error in expression '{expression}': unbalanced '('")
    return found


def word_problems(expression: str, word: str, called: bool, ids: set[str]) -> list[str]:
    if word in KEYWORDS:  # AND ( ... ) is an operator before parentheses, not a call
        return []
    if called and word not in FUNCTIONS:
        return [f"Error in expression '{expression}': Unrecognized function {word}"]
    # A function's name stands alone as an argument too: SORT(METRICS(), AVG, DESC).
    if not called and word not in KEYWORDS and word not in FUNCTIONS and word not in ids:
        return [f"Error in expression '{expression}': Unrecognized identifier {word}"]
    return []


def alarm_problems(params: dict) -> list[str]:
    """Why PutMetricAlarm refuses the alarm's `Metrics`."""
    queries = params.get("Metrics") or []
    found = [f"{field} should not be set if list of Metrics is set." for field in SINGLE_METRIC_FIELDS
             if params.get(field) not in (None, [], "")]
    expressions = [query for query in queries if query.get("Expression")]
    metrics = [query for query in queries if query.get("MetricStat")]
    if len(metrics) > MAX_METRICS or len(expressions) > MAX_EXPRESSIONS:
        found.append(f"An alarm may have at most {MAX_METRICS} metrics and {MAX_EXPRESSIONS} expressions, got "
                     f"{len(metrics)} and {len(expressions)}.")
    ids = [query.get("Id", "") for query in queries]
    for identifier in ids:
        if not ID.fullmatch(identifier):
            found.append(f"Invalid metrics list: the id '{identifier}' must start with a lowercase letter and have "
                         "only letters, numbers and underscores")
    if len(set(ids)) != len(ids):
        found.append("Invalid metrics list: the ids are not unique")
    if sum(query.get("ReturnData", True) is not False for query in queries) != 1:
        found.append("Exactly one element of the metrics list should return data.")
    found += [problem for query in queries for problem in query_problems(query)]
    for query in expressions:
        if re.search(r"\bSEARCH\s*\(", query["Expression"]):
            found.append(f"Error in expression '{query['Expression']}': an alarm cannot be based on SEARCH")
        found += expression_problems(query["Expression"], set(ids) - {query.get("Id")})
    return found


def query_problems(query: dict) -> list[str]:
    found = []
    if bool(query.get("Expression")) == bool(query.get("MetricStat")):
        found.append(f"Invalid metrics list: {query.get('Id')} must have exactly one of Expression and MetricStat")
    stat = query.get("MetricStat") or {}
    period = stat.get("Period")
    if stat and (period is None or not (period in (10, 30) or period % 60 == 0)):
        found.append(f"Invalid metrics list: {query.get('Id')} has the period {period}, which must be 10, 30 or a "
                     "multiple of 60")
    return found
