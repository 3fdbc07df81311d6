"""SQL inside Python strings: find the string passed to `.execute(`, `read_sql(`, `text(`, ...,
decode it, and keep a map from every decoded character back to its offset in the .py file, so
SQL findings land on the exact token in the Python source (escapes, raw and triple-quoted
strings, implicit concatenation). f-string placeholders become opaque identifiers.

The file is parsed with `ast` (never executed).
"""

from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass, field

SQL_CALLS = frozenset({"execute", "executemany", "read_sql", "read_sql_query", "sql", "text"})
LOOSE_CALLS = frozenset({"sql", "text"})
"""Names other libraries use too (a pretty-printer's `.text(",")`): their argument counts as SQL
only when it starts as a statement does."""
SQL_START = re.compile(
    r"\s*(?:(?:--[^\n]*(?:\n|\Z)|/\*.*?\*/)\s*)*\(?\s*"
    r"(?:select|with|insert|update|delete|merge|upsert|replace|create|alter|drop|truncate|values|table|from"
    r"|pragma|explain|analyze|vacuum|attach|detach|show|describe|desc|copy|set|reset|call|exec|execute|begin"
    r"|start|commit|rollback|savepoint|release|grant|revoke|use|comment|declare|do|lock|load|install|unload"
    r"|summarize|pivot|unpivot|export|import|checkpoint|refresh|listen|notify|prepare|deallocate|close|fetch"
    r"|move|discard|cluster|reindex|security|abort|end)\b",
    re.IGNORECASE | re.DOTALL,
)
PLACEHOLDER = "__domain_lsp_param__"

_SIMPLE_ESCAPES = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
}
_PREFIX = re.compile(r"[rRbBuUfF]{0,2}")


@dataclass
class EmbeddedSql:
    text: str
    """The SQL as Python sees the string (escapes decoded; placeholders for f-string fields)."""
    starts: list[int]
    """For each character of `text`, where its source (a character or an escape) starts."""
    ends: list[int]
    """... and where it ends, in the Python source."""
    start: int
    end: int
    """The span of the string literal(s) in the Python source."""
    placeholders: list[tuple[int, int]] = field(default_factory=list)
    """Ranges of `text` standing for f-string fields."""

    def to_source(self, offset: int) -> int:
        if not self.starts:
            return self.start
        if offset >= len(self.starts):
            return self.ends[-1]
        return self.starts[max(offset, 0)]

    def to_source_range(self, start: int, end: int) -> tuple[int, int]:
        if end <= start or not self.ends:
            return self.to_source(start), self.to_source(start)
        return self.to_source(start), self.ends[min(end, len(self.ends)) - 1]

    def to_sql(self, source_offset: int) -> int | None:
        """The SQL offset of a source offset inside the literal, or None outside it."""
        if not (self.start < source_offset < self.end):
            return None
        return bisect.bisect_left(self.ends, source_offset + 1) if self.ends else 0

    def touches_placeholder(self, start: int, end: int) -> bool:
        return any(p_start < max(end, start + 1) and start < p_end for p_start, p_end in self.placeholders)


def find_embedded_sql(source: str) -> list[EmbeddedSql]:
    """The SQL strings of a Python source; [] when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    line_starts = [0]
    for match in re.finditer("\n", source):
        line_starts.append(match.end())
    found: list[EmbeddedSql] = []
    taken: set[int] = set()
    for node, scopes in _calls(tree):
        if not _is_sql_call(node.func) or not node.args:
            continue
        argument: ast.expr | None = node.args[0]
        if isinstance(argument, ast.Name):
            argument = _single_literal(argument.id, scopes)  # `sql = "SELECT ..."; cur.execute(sql)`
        if not isinstance(argument, (ast.Constant, ast.JoinedStr)) or id(argument) in taken:
            continue
        taken.add(id(argument))
        if isinstance(argument, ast.Constant) and not isinstance(argument.value, str):
            continue
        if argument.end_lineno is None or argument.end_col_offset is None:
            continue
        start = _offset(source, line_starts, argument.lineno, argument.col_offset)
        end = _offset(source, line_starts, argument.end_lineno, argument.end_col_offset)
        embedded = decode_literals(source, start, end)
        if embedded is None or not embedded.text.strip():
            continue
        if _callee(node.func) in LOOSE_CALLS and not SQL_START.match(embedded.text):
            continue  # `printer.text(",")`: a method named like sqlalchemy's, on a text that is not SQL
        found.append(embedded)
    found.sort(key=lambda e: e.start)
    return found


Scope = ast.Module | ast.FunctionDef | ast.AsyncFunctionDef
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _calls(tree: ast.Module) -> list[tuple[ast.Call, tuple[Scope, ...]]]:
    """Every call, with the function scopes around it, innermost last (the module first). A class
    body is not a scope its methods see, so it adds none."""
    calls: list[tuple[ast.Call, tuple[Scope, ...]]] = []

    def visit(node: ast.AST, scopes: tuple[Scope, ...]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Call):
                calls.append((child, scopes))
            inner = (*scopes, child) if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else scopes
            visit(child, inner)

    visit(tree, (tree,))
    return calls


def _single_literal(name: str, scopes: tuple[Scope, ...]) -> ast.expr | None:
    """The string literal `name` certainly holds where it is used: bound exactly once, by
    `name = "..."`, in the innermost scope that binds it (a function, or the module for a
    constant). Anything else (a parameter, a second assignment, `global`, an import, a loop
    target) could hold another text at the call: None, and the call is not checked."""
    for scope in reversed(scopes):
        bindings = _bindings(name, scope)
        if not bindings:
            continue
        if len(bindings) != 1:
            return None
        if isinstance(scope, ast.Module) and any(
            isinstance(node, ast.Global) and name in node.names for node in ast.walk(scope)
        ):
            return None  # a function may assign the constant another text
        value = bindings[0]
        if isinstance(value, ast.JoinedStr) or (isinstance(value, ast.Constant) and isinstance(value.value, str)):
            return value
        return None
    return None


def _bindings(name: str, scope: Scope) -> list[ast.expr | None]:
    """What each binding of `name` directly in `scope` assigns: the value of `name = value`,
    None for any other kind of binding (parameter, augmented assignment, import, loop target,
    `global`/`nonlocal`, walrus, `with ... as`, `except ... as`, deletion)."""
    found: list[ast.expr | None] = []
    if not isinstance(scope, ast.Module):
        arguments = scope.args
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]
        found.extend(None for argument in every if argument is not None and argument.arg == name)
    stack: list[ast.AST] = list(scope.body)
    while stack:
        node = stack.pop()
        if isinstance(node, _NESTED):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
                found.append(None)
            if not isinstance(node, ast.Lambda):
                stack.extend(node.decorator_list)
            continue
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id == name:
                found.append(node.value)
            stack.append(node.value)
            continue
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            found.append(node.value)
            if node.value is not None:
                stack.append(node.value)
            continue
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
            found.append(None)
        elif isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            found.append(None)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found.extend(None for alias in node.names if (alias.asname or alias.name.split(".")[0]) == name)
        elif isinstance(node, ast.ExceptHandler) and node.name == name:
            found.append(None)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name == name:
            found.append(None)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _callee(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _is_sql_call(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr in SQL_CALLS
    return isinstance(func, ast.Name) and func.id in ("text", "read_sql", "read_sql_query")


def _offset(source: str, line_starts: list[int], line: int, col_utf8: int) -> int:
    """ast columns are UTF-8 byte offsets within the line."""
    start = line_starts[line - 1]
    end = source.find("\n", start)
    line_text = source[start : end if end != -1 else len(source)]
    return start + len(line_text.encode("utf-8")[:col_utf8].decode("utf-8", errors="ignore"))


_PLAIN = re.compile(r"[^\\{}'\"]+")
"""No backslash, brace or quote: these characters decode to themselves, one for one."""


def decode_literals(source: str, start: int, end: int) -> EmbeddedSql | None:
    """Decode the string literal(s) between `start` and `end` (implicitly concatenated parts
    separated by white space, comments and line breaks inside brackets)."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    placeholders: list[tuple[int, int]] = []
    i = start
    while i < end:
        ch = source[i]
        if ch in " \t\r\n\\":
            i += 1
            continue
        if ch == "#":
            newline = source.find("\n", i)
            i = end if newline == -1 else newline
            continue
        prefix = _PREFIX.match(source, i)
        assert prefix is not None
        quote_at = prefix.end()
        if quote_at >= end or source[quote_at] not in "'\"":
            return None
        flags = prefix.group().lower()
        if "b" in flags:
            return None  # bytes are not SQL text we can map
        quote = (
            source[quote_at : quote_at + 3] if source.startswith(source[quote_at] * 3, quote_at) else source[quote_at]
        )
        i = _decode_part(
            source, quote_at + len(quote), end, quote, "r" in flags, "f" in flags, chars, starts, ends, placeholders
        )
        if i < 0:
            return None
    return EmbeddedSql("".join(chars), starts, ends, start, end, placeholders)


def _decode_part(
    source: str,
    i: int,
    end: int,
    quote: str,
    raw: bool,
    fstring: bool,
    chars: list[str],
    starts: list[int],
    ends: list[int],
    placeholders: list[tuple[int, int]],
) -> int:
    """Decode one literal's body from `i`; returns the offset after its closing quote, or -1."""

    def emit(text: str, at: int, length: int) -> None:
        for ch in text:
            chars.append(ch)
            starts.append(at)
            ends.append(at + length)

    while i < end:
        plain = _PLAIN.match(source, i, end)
        if plain is not None:  # a run of characters that stand for themselves, in bulk
            j = plain.end()
            chars.extend(source[i:j])
            starts.extend(range(i, j))
            ends.extend(range(i + 1, j + 1))
            i = j
            continue
        if source.startswith(quote, i):
            return i + len(quote)
        ch = source[i]
        if fstring and ch in "{}":
            if source.startswith(ch * 2, i):
                emit(ch, i, 2)
                i += 2
                continue
            if ch == "{":
                close = _field_end(source, i, end)
                if close < 0:
                    return -1
                placeholders.append((len(chars), len(chars) + len(PLACEHOLDER)))
                emit(PLACEHOLDER, i, close + 1 - i)
                i = close + 1
                continue
        if ch == "\\" and not raw:
            decoded, length = _escape(source, i)
            if len(decoded) == 1:
                emit(decoded, i, length)
            else:  # a line continuation (nothing) or an unknown escape (kept as written)
                for k, kept in enumerate(decoded):
                    emit(kept, i + k, 1)
            i += length
            continue
        if ch == "\\" and raw and i + 1 < end:
            emit(ch, i, 1)  # in a raw string a backslash still keeps the next quote from closing it
            emit(source[i + 1], i + 1, 1)
            i += 2
            continue
        emit(ch, i, 1)
        i += 1
    return -1


def _field_end(source: str, i: int, end: int) -> int:
    """The offset of the `}` closing an f-string field opened at `i`."""
    depth = 0
    j = i
    while j < end:
        ch = source[j]
        if ch in "'\"":
            close = source.find(ch, j + 1)
            if close == -1:
                return -1
            j = close + 1
            continue
        if ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return -1


def _escape(source: str, i: int) -> tuple[str, int]:
    """The character an escape sequence at `i` stands for, and the sequence's length."""
    nxt = source[i + 1] if i + 1 < len(source) else ""
    if nxt == "\n":
        return "", 2  # a line continuation inside the string
    if nxt in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[nxt], 2
    hexes = {"x": 2, "u": 4, "U": 8}
    if nxt in hexes:
        digits = source[i + 2 : i + 2 + hexes[nxt]]
        try:
            return chr(int(digits, 16)), 2 + hexes[nxt]
        except ValueError:
            return nxt, 2
    if nxt == "N" and source.startswith("{", i + 2):
        close = source.find("}", i + 3)
        if close != -1:
            import unicodedata

            try:
                return unicodedata.lookup(source[i + 3 : close]), close - i + 1
            except KeyError:
                pass
    octal = re.compile(r"[0-7]{1,3}").match(source, i + 1)
    if octal:
        return chr(int(octal.group(), 8)), 1 + len(octal.group())
    return "\\" + nxt, 2  # an unknown escape keeps its backslash
