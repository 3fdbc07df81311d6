"""Apply DDL statements to a catalog: CREATE TABLE/VIEW/SCHEMA/FUNCTION, ALTER TABLE,
COMMENT ON and DROP. Used both to load schema files and for tables a SQL file creates
before it uses them.
"""

from __future__ import annotations

import copy
import re

import sqlglot
import sqlglot.errors
from sqlglot import exp
from sqlglot.generator import Generator

from domain_lsp.analysis.sql.dialects import get_dialect
from domain_lsp.analysis.sql.parse import parse_tokens
from domain_lsp.analysis.sql.resolve import Context, query_outputs, span
from domain_lsp.catalog.model import Catalog, Column, Function, Location, Table, key
from domain_lsp.text import LineIndex

# Table options after the closing parenthesis that sqlglot cannot parse in every combination.
TRAILING_TABLE_OPTIONS = re.compile(r"\)\s*(?:(?:WITHOUT\s+ROWID|STRICT)\s*,?\s*)+$", re.IGNORECASE)

RENAME_TO = re.compile(r"\s+to\s+(\"(?:[^\"]|\"\")+\"|[^\s;,]+)", re.IGNORECASE)
ADD_UNTYPED_COLUMN = re.compile(
    r"\s*table\s+(\S+)\s+add\s+(?:column\s+)?(\"(?:[^\"]|\"\")+\"|\[[^\]]+\]|`[^`]+`|[\w$]+)\s*$", re.IGNORECASE
)


def _unquote(name: str) -> str:
    if len(name) >= 2 and name[0] + name[-1] in ('""', "[]", "``"):
        return name[1:-1].replace('""', '"')
    return name


class DdlApplier:
    def __init__(self, catalog: Catalog, ctx: Context, path: str, lines: LineIndex) -> None:
        self.catalog = catalog
        self.ctx = ctx
        self.path = path
        self.lines = lines
        self._generator: Generator | None = None

    def type_sql(self, kind: exp.Expr) -> str:
        """A column type as the dialect writes it. One generator per applier, not per column,
        and no copy of the node: `kind.sql(dialect=...)` built both each time, two thirds of
        loading a DDL catalog's columns."""
        if self._generator is None:
            self._generator = get_dialect(self.ctx.dialect).generator()
        return self._generator.generate(kind, copy=False)

    def location(self, node: exp.Expr | None) -> Location | None:
        where = span(node) if node is not None else None
        if where is None:
            return None
        line, character = self.lines.line_col(where[0])
        return Location(self.path, line, character)

    def apply(self, statement: exp.Expr) -> bool:
        """Apply one statement; True when it changed the catalog."""
        if isinstance(statement, exp.Create):
            return self._create(statement)
        if isinstance(statement, exp.Command) and key(str(statement.this)) == "create":
            reparsed = self._without_table_options(statement)
            return reparsed is not None and self._create(reparsed)
        if isinstance(statement, exp.Alter) and str(statement.args.get("kind", "")).upper() == "TABLE":
            return self._alter(statement)
        if isinstance(statement, exp.Command) and key(str(statement.this)) == "alter":
            return self._alter_command(statement)
        if isinstance(statement, exp.Comment):
            return self._comment(statement)
        if isinstance(statement, exp.Drop) and str(statement.args.get("kind", "")).upper() in ("TABLE", "VIEW"):
            # sqlglot keeps DROP's names in `tables`; older versions used `this`/`expressions`.
            for node in statement.args.get("tables") or statement.expressions or [statement.this]:
                if isinstance(node, exp.Table):
                    table = self._find(node)
                    if table is not None:
                        self.catalog.drop_table(table)
            return True
        return False

    def _without_table_options(self, command: exp.Command) -> exp.Create | None:
        """sqlglot gives up on some trailing table options (SQLite's `WITHOUT ROWID, STRICT`):
        parse the statement again without them, at the same offsets so locations hold."""
        rest = command.args.get("expression")
        if not isinstance(rest, str) or not rest:
            return None
        at = self.ctx.text.find(rest)
        match = TRAILING_TABLE_OPTIONS.search(rest)
        if at < len("CREATE") or match is None:
            return None
        padded = " " * (at - len("CREATE")) + "CREATE" + rest[: match.start() + 1]
        try:
            tokens = get_dialect(self.ctx.dialect).tokenize(padded)
            # The analysis's own parse: the same depth limits as the statement it is part of.
            parsed, _ = parse_tokens(tokens, padded, self.ctx.dialect) if tokens else (None, None)
        except sqlglot.errors.SqlglotError:
            return None
        return parsed if isinstance(parsed, exp.Create) else None

    def _find(self, node: exp.Table) -> Table | None:
        resolution = self.ctx.resolve_table(node)
        return resolution.table

    def _own(self, node: exp.Table) -> Table | None:
        """The table to modify, copied into this catalog first when a parent catalog owns it."""
        table = self._find(node)
        if table is not None and not self.catalog.owns(table):
            table = copy.deepcopy(table)
            self.catalog.add_table(table)
        return table

    def _create(self, create: exp.Create) -> bool:
        kind = str(create.args.get("kind", "")).upper()
        target = create.this
        if kind == "SCHEMA" and isinstance(target, exp.Table):
            self.catalog.add_schema(target.db or target.name, target.catalog)
            return True
        if kind in ("FUNCTION", "PROCEDURE", "MACRO"):
            node = target.this if isinstance(target, exp.UserDefinedFunction) else target
            if isinstance(node, exp.Table):
                self.catalog.add_function(Function(node.name, node.db, target.sql(), location=self.location(node.this)))
                return True
            return False
        if kind not in ("TABLE", "VIEW"):
            return False
        schema_def = target if isinstance(target, exp.Schema) else None
        table_node = schema_def.this if schema_def is not None else target
        if not isinstance(table_node, exp.Table) or not table_node.name:
            return False
        properties = create.args.get("properties")
        temporary = properties is not None and any(isinstance(p, exp.TemporaryProperty) for p in properties.expressions)
        table = Table(
            name=table_node.name,
            schema=table_node.db,
            database=table_node.catalog,
            kind="temporary" if temporary else kind.lower(),
            location=self.location(table_node.this),
            description=_comment_of(create),
        )
        body = create.expression
        if isinstance(body, exp.Subquery):  # CREATE TABLE t AS (SELECT ...)
            body = body.unnest()
        copied = self._copied_columns(create)
        if copied is None:
            return False  # copies a table not known (yet): a retry may find it
        for column in copied:
            table.add_column(column)
        if schema_def is not None:
            for item in schema_def.expressions:
                if isinstance(item, exp.ColumnDef):
                    table.add_column(self._column(item))
                elif isinstance(item, exp.Identifier):  # CREATE VIEW v (a, b) AS ...
                    table.add_column(Column(item.name, location=self.location(item)))
                elif isinstance(item, exp.LikeProperty):  # postgres: (LIKE other, extra int)
                    source = self._find(item.this) if isinstance(item.this, exp.Table) else None
                    if source is None:
                        return False
                    for column in source.columns.values():
                        table.add_column(copy.copy(column))
        if not table.columns and isinstance(body, exp.Query):
            outputs = query_outputs(body, self.ctx)
            if outputs is None:
                return False  # unknown columns: leave the name unknown rather than guess
            for name in outputs:
                table.add_column(Column(name, location=table.location))
        elif not table.columns and not (schema_def is not None and kind == "TABLE"):
            return False
        self.catalog.add_table(table)
        return True

    def _copied_columns(self, create: exp.Create) -> list[Column] | None:
        """Columns a table takes from others: INHERITS, PARTITION OF, LIKE, CLONE/COPY, and a
        SQLite full-text virtual table's module arguments. None when a source is unknown."""
        sources: list[exp.Expr] = []
        clone = create.args.get("clone")
        if isinstance(clone, exp.Clone):
            sources.append(clone.this)
        properties = create.args.get("properties")
        columns: list[Column] = []
        for prop in properties.expressions if properties is not None else []:
            if isinstance(prop, exp.InheritsProperty):
                sources.extend(prop.expressions)
            elif isinstance(prop, (exp.PartitionedOfProperty, exp.LikeProperty)):
                sources.append(prop.this)
            elif isinstance(prop, exp.ModuleProperty):
                module = key(prop.name)
                if not module.startswith(("fts", "rtree")):
                    return None  # other modules' arguments are not column names
                names = [e.name for e in prop.expressions if isinstance(e, (exp.Identifier, exp.Column))]
                if module.startswith("fts"):  # hidden columns: the table's own name and rank
                    table_node = create.this.this if isinstance(create.this, exp.Schema) else create.this
                    names += [table_node.name, "rank"] if isinstance(table_node, exp.Table) else ["rank"]
                columns.extend(Column(n) for n in names)
        for node in sources:
            source = self._find(node) if isinstance(node, exp.Table) else None
            if source is None:
                return None
            columns.extend(copy.copy(c) for c in source.columns.values())
        return columns

    def _column(self, definition: exp.ColumnDef) -> Column:
        kind = definition.args.get("kind")
        description = None
        for constraint in definition.args.get("constraints") or []:
            if isinstance(constraint.args.get("kind"), exp.CommentColumnConstraint):
                description = constraint.args["kind"].name
        if description is None and definition.comments:
            description = " ".join(c.strip() for c in definition.comments).strip() or None
        return Column(
            definition.name,
            type=self.type_sql(kind) if kind is not None else None,
            description=description,
            location=self.location(definition.this),
        )

    def _alter(self, alter: exp.Alter) -> bool:
        node = alter.this
        if not isinstance(node, exp.Table):
            return False
        table = self._own(node)
        if table is None:
            return False
        for action in alter.args.get("actions") or []:
            if isinstance(action, exp.ColumnDef):
                table.add_column(self._column(action))
            elif isinstance(action, exp.Drop) and str(action.args.get("kind", "")).upper() == "COLUMN":
                for column in action.args.get("tables") or action.expressions:
                    table.columns.pop(key(column.name), None)
            elif isinstance(action, exp.RenameColumn):
                old = table.columns.pop(key(action.this.name), None)
                new = action.args.get("to")
                if old is not None and new is not None:
                    table.add_column(
                        Column(
                            new.name,
                            old.type,
                            old.description,
                            self.location(new.this if isinstance(new, exp.Column) else new),
                        )
                    )
            elif isinstance(action, exp.Command) and key(str(action.this)) == "drop":
                # duckdb `DROP b` without COLUMN, which sqlglot leaves as text
                words = str(action.expression).split()
                while words and key(words[0]) in ("column", "if", "exists"):
                    words.pop(0)
                if words:
                    table.columns.pop(key(_unquote(words[0])), None)
            elif isinstance(action, exp.AlterRename) and isinstance(action.this, exp.Table):
                column_rename = self._misparsed_column_rename(action.this)
                if column_rename is not None:
                    old = table.columns.pop(key(action.this.name), None)
                    if old is not None and column_rename:
                        table.add_column(Column(column_rename, old.type, old.description, old.location))
                    continue
                self.catalog.drop_table(table)
                renamed = copy.deepcopy(table)
                renamed.name = action.this.name
                renamed.schema = action.this.db or table.schema
                self.catalog.add_table(renamed)
        self.catalog.version += 1
        return True

    def _misparsed_column_rename(self, node: exp.Table) -> str | None:
        """postgres `RENAME b TO bb` (COLUMN omitted) reaches us as a table rename to `b` with
        `TO bb` dropped: the new column name read from the text ("" if unreadable), or None
        for a real `RENAME TO`."""
        first = span(node.parts[0]) if node.parts else None  # `RENAME TO db.t2` starts at db
        where = span(node.this) if isinstance(node.this, exp.Expr) else None
        if first is None or where is None or key(self.ctx.text[max(0, first[0] - 32) : first[0]].rstrip()[-2:]) == "to":
            return None
        match = RENAME_TO.match(self.ctx.text, where[1])
        return _unquote(match.group(1)) if match else ""

    def _alter_command(self, command: exp.Command) -> bool:
        """sqlite `ALTER TABLE t ADD b` (a column without a type), which sqlglot leaves as text."""
        match = ADD_UNTYPED_COLUMN.match(str(command.expression))
        if match is None:
            return False
        table = self._own(exp.to_table(match.group(1), dialect=get_dialect(self.ctx.dialect)))
        if table is None:
            return False
        table.add_column(Column(_unquote(match.group(2))))
        self.catalog.version += 1
        return True

    def _comment(self, comment: exp.Comment) -> bool:
        kind = str(comment.args.get("kind", "")).upper()
        text = comment.expression.name if comment.expression is not None else None
        target = comment.this
        if kind == "TABLE" and isinstance(target, exp.Table):
            table = self._own(target)
            if table is not None:
                table.description = text
                return True
        if kind == "COLUMN" and isinstance(target, exp.Column):
            table_node = exp.Table(
                this=target.args.get("table"), db=target.args.get("db"), catalog=target.args.get("catalog")
            )
            table = self._own(table_node) if target.table else None
            column = table.column(target.name) if table is not None else None
            if column is not None:
                column.description = text
                return True
        return False


def _comment_of(create: exp.Create) -> str | None:
    properties = create.args.get("properties")
    if properties is None:
        return None
    for prop in properties.expressions:
        if isinstance(prop, exp.SchemaCommentProperty):
            return prop.this.name
    return None
