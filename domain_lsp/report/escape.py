"""Workspace text made safe to print where a terminal or a CI runner reads it.

A finding quotes identifiers and names files, and whoever wrote the repository chose both. Printed
raw, a control character drives the terminal (an ANSI escape, a carriage return that overwrites
the line), a newline starts a line of the author's choosing, and CI runners act on some lines:
GitHub Actions runs a line that starts with `::` after leading whitespace as a workflow command,
and its legacy form `##[command]` anywhere in a line, as Azure Pipelines does `##vso[...]` and
TeamCity `##teamcity[...]`. So every character that could do any of that is shown as an escape
(`\\x1b`, `\\n`, `\\u202e`), which also keeps each finding on its own line.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f"  # C0, DEL, C1 (CSI \x9b is an escape sequence of its own on some terminals)
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional controls reorder what is shown
    "\u2028\u2029"  # line and paragraph separators: some viewers break lines there
    "\ud800-\udfff]"  # lone surrogates, from file names that are not UTF-8
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_RUNNER_COMMAND = re.compile(r"##[A-Za-z]*\[")
"""`##[`, `##vso[`, `##teamcity[`: the `[` is what makes it a command."""
_PATH_START = re.compile(r"[\w/.]")


def _escaped(char: str) -> str:
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """Control characters (and the other invisible ones in `_UNSAFE`) as visible escapes."""
    return _UNSAFE.sub(lambda match: _escaped(match.group()), text)


def pieces(text: str, *, starts_line: bool = False) -> list[str]:
    """How each character of `text` is printed, one string per character, so a caller can measure
    the printed width of any slice. Controls are escaped, runner commands broken, and when `text`
    begins a printed line (after indentation), a leading `::` is escaped too.
    """
    shown = list(text)
    if _UNSAFE.search(text):  # rare: most lines are printed as they are
        shown = [_escaped(char) if _UNSAFE.match(char) else char for char in shown]
    if "##" in text:
        for match in _RUNNER_COMMAND.finditer(text):
            shown[match.end() - 1] = "\\x5b"
    if starts_line:
        first = next((i for i, piece in enumerate(shown) if not piece.isspace()), len(shown))
        if shown[first : first + 2] == [":", ":"]:
            shown[first] = "\\x3a"
    return shown


def printable(text: str) -> str:
    """`text` inside a printed line: one line, no controls, no runner command."""
    if "##" not in text and not _UNSAFE.search(text):
        return text
    return "".join(pieces(text))


def path_at_line_start(path: str) -> str:
    """A path that begins a printed line: printable, and given a `./` unless it starts with a
    letter, digit, `_`, `/` or `.`, so no file name can make the line a command (`::error::x.sql`,
    or a name starting with a space, which the runner strips first).
    """
    shown = printable(path)
    return shown if _PATH_START.match(shown) else f"./{shown}"


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


def escape_json(document: str) -> str:
    """JSON written with `ensure_ascii=False`, with the characters `json` leaves raw (DEL, C1,
    bidirectional controls, line separators, lone surrogates) as `\\uXXXX`. Outside strings a JSON
    text is ASCII, so each such character is inside a string, where the escape means the same.
    """
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", document)
