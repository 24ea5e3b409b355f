"""CloudWatch Logs Insights queries, parsed: commands separated by pipes, each one of the documented
commands, comments from `#`, balanced quotes, backticks, regular expressions and brackets. AWS documents no
syntax check on saving a query (PutQueryDefinition); StartQuery refuses a broken one (MalformedQueryException)
when someone runs it. So the problems found here are advice: the saved query is stored, and reported."""
from __future__ import annotations

import re

COMMANDS = frozenset({"fields", "display", "filter", "filterindex", "stats", "sort", "limit", "parse", "dedup",
                      "unmask", "unnest", "pattern", "diff", "anomaly", "source", "lookup", "addtotals"})
CLOSING = {"(": ")", "[": "]", "{": "}"}


def problems(query: str) -> list[str]:
    found = []
    commands = split_commands(query, found)
    if not commands:
        found.append("the query has no command")
    for command in commands:
        word = re.match(r"\s*([A-Za-z]+)", command)
        if not word or word.group(1).lower() not in COMMANDS:
            found.append(f"unknown command {command.strip()[:40]!r}")
        elif not command.strip()[len(word.group(1)):].strip():
            found.append(f"{word.group(1)} needs arguments")
    return found


# Quoted strings (backslash escapes in single and double quotes), comments to the end of the line, brackets,
# pipes, a quote that never closes, and anything else.
TOKENS = re.compile(r"""(?P<string>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`[^`]*`|/(?:\\.|[^/\\\n])+/)"""
                    r"""|(?P<comment>#[^\n]*)"""
                    r"""|(?P<open>[(\[{])|(?P<close>[)\]}])|(?P<pipe>\|)|(?P<unterminated>["'`])"""
                    r"""|(?P<other>[^"'`#()\[\]{}|/]+|/)""")


def split_commands(query: str, found: list[str]) -> list[str]:
    """The query's commands, outside quotes and comments; unbalanced quotes or brackets go to `found`."""
    commands, current, stack = [], [], []
    for token in TOKENS.finditer(query):
        kind, text = token.lastgroup, token.group()
        if kind == "comment":
            continue
        if kind == "unterminated":
            found.append(f"unterminated {text} quote")
        elif kind == "open":
            stack.append(CLOSING[text])
        elif kind == "close" and (not stack or stack.pop() != text):
            found.append(f"unbalanced {text!r}")
        elif kind == "pipe" and not stack:
            commands.append("".join(current))
            current = []
            continue
        current.append(text)
    commands.append("".join(current))
    if stack:
        found.append(f"unclosed {stack[-1]!r}")
    if any(not command.strip() for command in commands[1:-1]):
        found.append("an empty command between two pipes")
    return [command for command in commands if command.strip()]
