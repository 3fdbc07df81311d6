;; extends
; SQL in Python strings, for the calls domain-lsp checks as SQL
; (domain_lsp/analysis/python/embedded_sql.py): the first argument of .execute( .executemany(
; .read_sql( .read_sql_query( read_sql( read_sql_query( always; of .sql( .text( text( only when
; the string starts as a statement (the keywords of SQL_START there). Bytes are not SQL.
; Needs a `sql` parser (e.g. nvim-treesitter's); `;; extends` keeps other plugins' injections.

((call
  function: (attribute
    attribute: (identifier) @_method)
  arguments: (argument_list
    .
    (string
      (string_start) @_start
      (string_content) @injection.content)))
  (#any-of? @_method "execute" "executemany" "read_sql" "read_sql_query")
  (#not-lua-match? @_start "[bB]")
  (#set! injection.language "sql"))

((call
  function: (identifier) @_function
  arguments: (argument_list
    .
    (string
      (string_start) @_start
      (string_content) @injection.content)))
  (#any-of? @_function "read_sql" "read_sql_query")
  (#not-lua-match? @_start "[bB]")
  (#set! injection.language "sql"))

((call
  function: (attribute
    attribute: (identifier) @_method)
  arguments: (argument_list
    .
    (string
      (string_start) @_start
      .
      (string_content) @injection.content)))
  (#any-of? @_method "sql" "text")
  (#not-lua-match? @_start "[bB]")
  (#match? @injection.content "\\v\\c^\\_s*\\(?\\_s*(select|with|insert|update|delete|merge|upsert|replace|create|alter|drop|truncate|values|table|from|pragma|explain|analyze|vacuum|attach|detach|show|describe|desc|copy|set|reset|call|exec|execute|begin|start|commit|rollback|savepoint|release|grant|revoke|use|comment|declare|do|lock|load|install|unload|summarize|pivot|unpivot|export|import|checkpoint|refresh|listen|notify|prepare|deallocate|close|fetch|move|discard|cluster|reindex|security|abort|end)>")
  (#set! injection.language "sql"))

((call
  function: (identifier) @_function
  arguments: (argument_list
    .
    (string
      (string_start) @_start
      .
      (string_content) @injection.content)))
  (#eq? @_function "text")
  (#not-lua-match? @_start "[bB]")
  (#match? @injection.content "\\v\\c^\\_s*\\(?\\_s*(select|with|insert|update|delete|merge|upsert|replace|create|alter|drop|truncate|values|table|from|pragma|explain|analyze|vacuum|attach|detach|show|describe|desc|copy|set|reset|call|exec|execute|begin|start|commit|rollback|savepoint|release|grant|revoke|use|comment|declare|do|lock|load|install|unload|summarize|pivot|unpivot|export|import|checkpoint|refresh|listen|notify|prepare|deallocate|close|fetch|move|discard|cluster|reindex|security|abort|end)>")
  (#set! injection.language "sql"))
