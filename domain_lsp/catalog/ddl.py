"""Apply DDL statements to a catalog: CREATE TABLE/VIEW/SCHEMA/FUNCTION, ALTER TABLE,
COMMENT ON and DROP. Used both to load schema files and for tables a SQL file creates
before it uses them.
"""

from __future__ import annotations

import copy
import dataclasses
import re

import sqlglot
import sqlglot.errors
from sqlglot import exp
from sqlglot.generator import Generator

from domain_lsp.analysis.sql.dialects import get_dialect
from domain_lsp.analysis.sql.parse import parse_tokens
from domain_lsp.analysis.sql.resolve import Context, query_outputs, span
from domain_lsp.catalog.model import Catalog, Column, ForeignKey, Function, Location, Table, key
from domain_lsp.catalog.sources.comments import comment_metadata
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
        if kind == "INDEX" and create.args.get("unique") and isinstance(target, exp.Index):
            return self._unique_index(create)
        if kind not in ("TABLE", "VIEW"):
            return False
        schema_def = target if isinstance(target, exp.Schema) else None
        table_node = schema_def.this if schema_def is not None else target
        if not isinstance(table_node, exp.Table) or not table_node.name:
            return False
        properties = create.args.get("properties")
        temporary = properties is not None and any(isinstance(p, exp.TemporaryProperty) for p in properties.expressions)
        description = _comment_of(create)
        tags, deprecated = comment_metadata(description)
        table = Table(
            name=table_node.name,
            schema=table_node.db,
            database=table_node.catalog,
            kind="temporary" if temporary else kind.lower(),
            location=self.location(table_node.this),
            description=description,
            tags=tags,
            deprecated=deprecated,
            required_filters=_required_partition_filter(properties),
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
                    if item.args.get("constraints"):
                        _add_column_keys(table, item)
                elif isinstance(item, (exp.Constraint, exp.PrimaryKey, exp.ForeignKey, exp.UniqueColumnConstraint)):
                    _add_table_key(table, item)
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
        _primary_key_not_null(table, self.ctx.dialect)
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
        not_null = False
        for constraint in definition.args.get("constraints") or []:
            constraint_kind = constraint.args.get("kind")
            if isinstance(constraint_kind, exp.CommentColumnConstraint):
                description = constraint_kind.name
            elif isinstance(constraint_kind, exp.Properties):  # BigQuery: OPTIONS(description = '...')
                description = _description_option(constraint_kind) or description
            elif isinstance(constraint_kind, exp.NotNullColumnConstraint):
                not_null = not constraint_kind.args.get("allow_null")  # `NULL` says nullable
        if description is None and definition.comments:
            description = " ".join(c.strip() for c in definition.comments).strip() or None
        # Most columns have no comment: no call for them (300,000 of them in a big schema).
        tags, deprecated = comment_metadata(description) if description else ((), None)
        return Column(
            definition.name,
            self.type_sql(kind) if kind is not None else None,
            description,
            self.location(definition.this),
            tags,
            deprecated,
            not_null,
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
                _add_column_keys(table, action)
            elif isinstance(action, exp.AddConstraint):
                for item in action.expressions:
                    _add_table_key(table, item)
            elif isinstance(action, exp.AlterColumn) and action.args.get("allow_null") is not None:
                column = table.column(action.name)
                if column is not None:  # SET NOT NULL / DROP NOT NULL
                    column.not_null = not action.args["allow_null"]
            elif isinstance(action, exp.Drop) and str(action.args.get("kind", "")).upper() == "COLUMN":
                for column in action.args.get("tables") or action.expressions:
                    _drop_column(table, column.name)
            elif isinstance(action, exp.RenameColumn):
                old = table.columns.pop(key(action.this.name), None)
                new = action.args.get("to")
                if old is not None and new is not None:
                    where = self.location(new.this if isinstance(new, exp.Column) else new)
                    table.add_column(dataclasses.replace(old, name=new.name, location=where))
                    _rename_in_keys(table, old.name, new.name)
            elif isinstance(action, exp.Command) and key(str(action.this)) == "drop":
                # duckdb `DROP b` without COLUMN, which sqlglot leaves as text
                words = str(action.expression).split()
                while words and key(words[0]) in ("column", "if", "exists"):
                    words.pop(0)
                if words:
                    _drop_column(table, _unquote(words[0]))
            elif isinstance(action, exp.AlterRename) and isinstance(action.this, exp.Table):
                column_rename = self._misparsed_column_rename(action.this)
                if column_rename is not None:
                    old = table.columns.pop(key(action.this.name), None)
                    if old is not None and column_rename:
                        table.add_column(dataclasses.replace(old, name=column_rename))
                        _rename_in_keys(table, old.name, column_rename)
                    continue
                self.catalog.drop_table(table)
                renamed = copy.deepcopy(table)
                renamed.name = action.this.name
                renamed.schema = action.this.db or table.schema
                self.catalog.add_table(renamed)
        _primary_key_not_null(table, self.ctx.dialect)
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
        if kind in ("TABLE", "VIEW") and isinstance(target, exp.Table):
            table = self._own(target)
            if table is not None:
                table.description = text
                table.tags, table.deprecated = comment_metadata(text)
                return True
        if kind == "COLUMN" and isinstance(target, exp.Column):
            table_node = exp.Table(
                this=target.args.get("table"), db=target.args.get("db"), catalog=target.args.get("catalog")
            )
            table = self._own(table_node) if target.table else None
            column = table.column(target.name) if table is not None else None
            if column is not None:
                column.description = text
                column.tags, column.deprecated = comment_metadata(text)
                return True
        return False

    def _unique_index(self, create: exp.Create) -> bool:
        """`CREATE UNIQUE INDEX ix ON t (a, b)`: a unique key, unless it is partial (WHERE) or
        over expressions, which make no key of the table's columns."""
        index = create.this
        node = index.args.get("table")
        params = index.args.get("params")
        if not isinstance(node, exp.Table) or params is None or params.args.get("where") is not None:
            return False
        names = _names(params.args.get("columns") or [])
        table = self._own(node) if names else None
        if table is None:
            return False
        _add_unique(table, names)
        self.catalog.version += 1
        return True


def _comment_of(create: exp.Create) -> str | None:
    properties = create.args.get("properties")
    if properties is None:
        return None
    for prop in properties.expressions:
        if isinstance(prop, exp.SchemaCommentProperty):
            return prop.this.name
    return _description_option(properties)


def _description_option(properties: exp.Expr) -> str | None:
    """BigQuery's `OPTIONS(description = '...')`, on a table or a column."""
    for prop in properties.expressions:
        if isinstance(prop, exp.Property) and key(prop.name) == "description":
            value = prop.args.get("value")
            if isinstance(value, exp.Literal) and value.is_string:
                return value.name
    return None


def _names(nodes: list[exp.Expr]) -> tuple[str, ...]:
    """The column names of a key's column list; () when one is an expression, not a column."""
    names = []
    for node in nodes:
        if isinstance(node, exp.Ordered):
            node = node.this
        if not isinstance(node, (exp.Identifier, exp.Column)) or not node.name:
            return ()
        names.append(node.name)
    return tuple(names)


def _reference(reference: exp.Expr | None, columns: tuple[str, ...]) -> ForeignKey | None:
    """`REFERENCES core.customer (customer_id)` as a key of `columns`; the target as written."""
    if not isinstance(reference, exp.Reference) or not columns:
        return None
    target = reference.this
    target_columns: tuple[str, ...] = ()
    if isinstance(target, exp.Schema):
        target_columns = _names(target.expressions)
        if target.expressions and not target_columns:
            return None
        target = target.this
    if not isinstance(target, exp.Table) or not target.name:
        return None
    name = ".".join(part for part in (target.catalog, target.db, target.name) if part)
    return ForeignKey(columns, name, target_columns)


def _add_unique(table: Table, columns: tuple[str, ...]) -> None:
    folded = tuple(key(c) for c in columns)
    if folded != tuple(key(c) for c in table.primary_key) and all(
        tuple(key(c) for c in u) != folded for u in table.unique_keys
    ):
        table.unique_keys = (*table.unique_keys, columns)


def _add_foreign_key(table: Table, fk: ForeignKey | None) -> None:
    if fk is not None and fk not in table.foreign_keys:
        table.foreign_keys = (*table.foreign_keys, fk)


def _add_column_keys(table: Table, definition: exp.ColumnDef) -> None:
    """A column's own PRIMARY KEY, UNIQUE and REFERENCES."""
    columns = (definition.name,)
    for constraint in definition.args.get("constraints") or []:
        kind = constraint.args.get("kind")
        if isinstance(kind, exp.PrimaryKeyColumnConstraint):
            table.primary_key = columns
        elif isinstance(kind, exp.UniqueColumnConstraint):
            _add_unique(table, columns)
        elif isinstance(kind, exp.Reference):
            _add_foreign_key(table, _reference(kind, columns))


def _add_table_key(table: Table, item: exp.Expr) -> None:
    """A table constraint: `[CONSTRAINT name] PRIMARY KEY (..) | UNIQUE (..) | FOREIGN KEY (..)
    REFERENCES ..`; CHECK and the rest declare no key."""
    parts = item.expressions if isinstance(item, exp.Constraint) else [item]
    for i, part in enumerate(parts):
        if isinstance(part, exp.PrimaryKey):
            columns = _names(part.expressions)
        elif isinstance(part, exp.PrimaryKeyColumnConstraint) and i + 1 < len(parts):
            # T-SQL `PRIMARY KEY CLUSTERED (a)`: the columns follow in a clause of their own
            listed = parts[i + 1].this
            columns = _names(listed) if isinstance(listed, list) else ()
        elif isinstance(part, exp.UniqueColumnConstraint) and isinstance(part.this, exp.Schema):
            columns = _names(part.this.expressions)
            if columns:
                _add_unique(table, columns)
            continue
        elif isinstance(part, exp.ForeignKey):
            _add_foreign_key(table, _reference(part.args.get("reference"), _names(part.expressions)))
            continue
        else:
            continue
        if columns:
            table.primary_key = columns
            table.unique_keys = tuple(u for u in table.unique_keys if [key(c) for c in u] != [key(c) for c in columns])


def _primary_key_not_null(table: Table, dialect: str) -> None:
    """A primary key's columns are NOT NULL; in SQLite only a rowid alias (a single INTEGER
    PRIMARY KEY) is: it lets any other primary key column hold NULL."""
    for name in table.primary_key:
        column = table.column(name)
        if column is None:
            continue
        if dialect != "sqlite" or (len(table.primary_key) == 1 and key(column.type or "") in ("int", "integer")):
            column.not_null = True


def _drop_column(table: Table, name: str) -> None:
    """Drop a column and every key it is part of, as the database drops them with it."""
    if table.columns.pop(key(name), None) is None:
        return
    folded = key(name)
    if any(key(c) == folded for c in table.primary_key):
        table.primary_key = ()
    table.unique_keys = tuple(u for u in table.unique_keys if all(key(c) != folded for c in u))
    table.foreign_keys = tuple(fk for fk in table.foreign_keys if all(key(c) != folded for c in fk.columns))
    table.required_filters = tuple(c for c in table.required_filters if key(c) != folded)


def _rename_in_keys(table: Table, old: str, new: str) -> None:
    folded = key(old)

    def renamed(columns: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(new if key(c) == folded else c for c in columns)

    table.primary_key = renamed(table.primary_key)
    table.unique_keys = tuple(renamed(u) for u in table.unique_keys)
    table.foreign_keys = tuple(fk._replace(columns=renamed(fk.columns)) for fk in table.foreign_keys)
    table.required_filters = renamed(table.required_filters)


def _required_partition_filter(properties: exp.Expr | None) -> tuple[str, ...]:
    """BigQuery's `PARTITION BY col OPTIONS(require_partition_filter=TRUE)`: the partitioning
    columns, which every query must filter on (`DATE(ts)` partitions on ts)."""
    if properties is None:
        return ()
    required = False
    partition: exp.Expr | None = None
    for prop in properties.expressions:
        if isinstance(prop, exp.PartitionedByProperty):
            partition = prop.this
        elif isinstance(prop, exp.Property) and key(prop.name) == "require_partition_filter":
            value = prop.args.get("value")
            required = isinstance(value, exp.Boolean) and bool(value.this)
    if not required or partition is None:
        return ()
    if isinstance(partition, exp.Identifier):
        return (partition.name,)
    names = [column.name for column in partition.find_all(exp.Column)] if isinstance(partition, exp.Expr) else []
    if isinstance(partition, exp.Column):
        names = [partition.name]
    return tuple(dict.fromkeys(names))
