-- domain-lsp for Neovim 0.11+: how to run the server, where a buffer's config is, and the
-- actions behind :DomainLsp. The client itself is configured in lsp/domain_lsp.lua.
local M = {}

M.name = 'domain_lsp'
M.reload_command = 'domain-lsp.reloadCatalog'
M.summary_command = 'domain-lsp.catalogSummary'

local CONFIG_FILE = 'domain-lsp.toml'

--- The domain-lsp CLI without a subcommand, and where that choice came from.
--- Order: g:domain_lsp_python (an interpreter with domain-lsp installed), then `domain-lsp`
--- on PATH, then `python3 -m domain_lsp`.
---@return string[] cmd
---@return string origin
function M.cli()
  local python = vim.g.domain_lsp_python
  if type(python) == 'string' and python ~= '' then
    return { vim.fn.expand(python), '-m', 'domain_lsp' }, 'g:domain_lsp_python'
  end
  if vim.fn.executable('domain-lsp') == 1 then
    return { 'domain-lsp' }, 'PATH'
  end
  return { vim.fn.has('win32') == 1 and 'python' or 'python3', '-m', 'domain_lsp' }, 'fallback'
end

--- The command that starts the language server on stdio.
---@return string[]
function M.server_cmd()
  local cmd = M.cli()
  table.insert(cmd, 'serve')
  return cmd
end

--- The CLI matching the client's effective `cmd`, so a `vim.lsp.config()` override of `cmd`
--- is honoured by :checkhealth too. nil when `cmd` is a function or does not end in `serve`.
---@return string[]? cmd
---@return string origin
function M.effective_cli()
  local config = vim.lsp.config[M.name]
  local cmd = config and config.cmd
  if type(cmd) ~= 'table' then
    return nil, 'vim.lsp.config (a function)'
  end
  if cmd[#cmd] ~= 'serve' then
    return nil, 'vim.lsp.config'
  end
  local cli = vim.list_slice(cmd, 1, #cmd - 1)
  local default, origin = M.cli()
  if vim.deep_equal(cli, default) then
    return cli, origin
  end
  return cli, 'vim.lsp.config'
end

local function declares_tool_table(pyproject)
  local file = io.open(pyproject, 'r')
  if not file then
    return false
  end
  for line in file:lines() do
    -- [tool.domain-lsp], [tool.domain-lsp.sql], [tool."domain-lsp"]: what domain_lsp/config.py accepts
    if line:match('^%s*%[%s*tool%s*%.%s*["\']?domain%-lsp["\']?%s*[%].]') then
      file:close()
      return true
    end
  end
  file:close()
  return false
end

--- The config governing `path` as the server finds it: the nearest domain-lsp.toml, or
--- pyproject.toml with a [tool.domain-lsp] table, at or above the file's folder.
---@param path string a file or folder
---@return string?
function M.find_config(path)
  local dir = vim.fn.isdirectory(path) == 1 and path or vim.fs.dirname(path)
  dir = vim.fs.normalize(vim.fn.fnamemodify(dir, ':p'))
  for _, folder in ipairs({ dir, unpack(vim.iter(vim.fs.parents(dir)):totable()) }) do
    local own = vim.fs.joinpath(folder, CONFIG_FILE)
    if vim.uv.fs_stat(own) then
      return own
    end
    local pyproject = vim.fs.joinpath(folder, 'pyproject.toml')
    if vim.uv.fs_stat(pyproject) and declares_tool_table(pyproject) then
      return pyproject
    end
  end
  return nil
end

---@param bufnr? integer only clients attached to this buffer
---@return vim.lsp.Client[]
function M.clients(bufnr)
  return vim.lsp.get_clients({ name = M.name, bufnr = bufnr })
end

---@param client vim.lsp.Client
---@param command string
---@return boolean
function M.supports_command(client, command)
  local provider = client.server_capabilities.executeCommandProvider
  return type(provider) == 'table' and vim.tbl_contains(provider.commands or {}, command)
end

--- Ask again for the diagnostics of every buffer the client is attached to. Neovim 0.11 pulls
--- diagnostics but ignores workspace/diagnostic/refresh, so after a catalog reload (or a saved
--- schema file) other buffers would keep stale diagnostics until edited.
---@param client vim.lsp.Client
function M.refresh_diagnostics(client)
  if not client:supports_method('textDocument/diagnostic') then
    return -- a server that pushes sends fresh diagnostics itself
  end
  for bufnr in pairs(client.attached_buffers) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      local params = { textDocument = vim.lsp.util.make_text_document_params(bufnr) }
      client:request('textDocument/diagnostic', params, vim.lsp.diagnostic.on_diagnostic, bufnr)
    end
  end
end

local codelens_buffers = {} ---@type table<integer, true>

--- Fetch the code lenses (the summary above a suggested block) of `bufnr` again.
---@param bufnr integer
local function refresh_codelens(bufnr)
  if codelens_buffers[bufnr] and vim.api.nvim_buf_is_loaded(bufnr) then
    vim.lsp.codelens.refresh({ bufnr = bufnr })
  end
end

--- Diagnostics and code lenses of every buffer the client is attached to, fetched again.
---@param client vim.lsp.Client
function M.refresh(client)
  M.refresh_diagnostics(client)
  for bufnr in pairs(client.attached_buffers) do
    refresh_codelens(bufnr)
  end
end

--- Show the server's code lenses in `bufnr` and keep them current. Neovim 0.11 fetches code
--- lenses only when asked (and ignores workspace/codeLens/refresh): ask whenever the server
--- hears of a change.
---@param bufnr integer
function M.enable_codelens(bufnr)
  if codelens_buffers[bufnr] then
    return
  end
  codelens_buffers[bufnr] = true
  local group = vim.api.nvim_create_augroup(('domain_lsp_codelens_%d'):format(bufnr), { clear = true })
  vim.api.nvim_create_autocmd('LspNotify', {
    group = group,
    buffer = bufnr,
    callback = function(event)
      local method = event.data.method
      if method == 'textDocument/didChange' or method == 'textDocument/didOpen' then
        refresh_codelens(bufnr)
      end
    end,
  })
  vim.api.nvim_create_autocmd('BufEnter', {
    group = group,
    buffer = bufnr,
    callback = function()
      refresh_codelens(bufnr)
    end,
  })
  vim.api.nvim_create_autocmd('LspDetach', {
    group = group,
    buffer = bufnr,
    callback = function(event)
      local client = vim.lsp.get_client_by_id(event.data.client_id)
      if client and client.name == M.name then
        codelens_buffers[bufnr] = nil
        vim.lsp.codelens.clear(client.id, bufnr)
        vim.api.nvim_del_augroup_by_id(group)
      end
    end,
  })
  refresh_codelens(bufnr)
end

---@param message string
---@param level? integer
local function notify(message, level)
  vim.notify('domain-lsp: ' .. message, level or vim.log.levels.INFO)
end

--- Reload config and catalog in every running domain-lsp server.
function M.reload()
  local clients = M.clients()
  if #clients == 0 then
    notify('no domain_lsp client is running', vim.log.levels.WARN)
    return
  end
  local pending, errors = #clients, {}
  for _, client in ipairs(clients) do
    -- No `arguments`: the command takes none (and early 0.1.0 servers failed on an empty list).
    local params = { command = M.reload_command }
    client:request('workspace/executeCommand', params, function(err)
      if err then
        table.insert(errors, err.message)
      else
        M.refresh(client)
      end
      pending = pending - 1
      if pending > 0 then
        return
      end
      if #errors == 0 then
        notify('catalog reloaded')
      else
        notify('reload failed: ' .. table.concat(errors, '; '), vim.log.levels.ERROR)
      end
    end)
  end
end

--- Run a server command for Neovim (a code lens, a code action's command), then fetch the
--- diagnostics and lenses it changed: the server asks clients to refresh them, which Neovim 0.11
--- ignores. Registered as the client-side handler of the commands in lsp/domain_lsp.lua.
---@param command lsp.Command
---@param ctx { bufnr: integer, client_id: integer }
function M.run_command(command, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if not client then
    return
  end
  local params = { command = command.command, arguments = command.arguments }
  client:request('workspace/executeCommand', params, function(err)
    if err then
      notify(('%s failed: %s'):format(command.command, err.message), vim.log.levels.ERROR)
    else
      M.refresh(client)
    end
  end, ctx.bufnr)
end

---@param n integer
---@param word string
local function count(n, word)
  return ('%d %s%s'):format(n, word, n == 1 and '' or 's')
end

--- The one-line size of a catalog, worded the same in :DomainLsp catalog, :checkhealth and VS Code's
--- summary: `8 tables, 1 view, 44 columns, 0 functions in 3 schemas, from 3 sources`.
--- `summary` is a `domain-lsp.catalogSummary` result (docs/server.md), whose `tables` counts views too.
---@param summary table
---@return string
function M.catalog_counts(summary)
  local views = summary.views or 0
  return ('%s, %s, %s, %s in %s, from %s'):format(
    count((summary.tables or 0) - views, 'table'),
    count(views, 'view'),
    count(summary.columns or 0, 'column'),
    count(summary.functions or 0, 'function'),
    count(#(summary.schemas or {}), 'schema'),
    count(#(summary.sources or {}), 'source')
  )
end

--- The text of a `domain-lsp.catalogSummary` result (fields as in docs/server.md).
---@param summary table
---@return string[]
function M.summary_lines(summary)
  local lines = {
    'config: ' .. (type(summary.config) == 'string' and vim.fn.fnamemodify(summary.config, ':~:.') or '(none: defaults)'),
    ('dialect: %s%s'):format(
      summary.dialect ~= '' and summary.dialect or '(default)',
      #(summary.searchPath or {}) > 0 and ('; search path: ' .. table.concat(summary.searchPath, ', ')) or ''
    ),
    ('%s; loaded in %.2f s%s%s'):format(
      M.catalog_counts(summary),
      summary.seconds or 0,
      summary.fromCache and ' (from cache)' or '',
      summary.stale and ', stale: :DomainLsp reload' or ''
    ),
    '',
    'tables and views per schema:',
  }
  for _, schema in ipairs(summary.schemas or {}) do
    table.insert(lines, ('  %s: %d'):format(schema.name ~= '' and schema.name or '(none)', schema.tables or 0))
  end
  table.insert(lines, '')
  table.insert(lines, 'sources (tables and views each holds):')
  for _, source in ipairs(summary.sources or {}) do
    local problems = source.problems or 0
    table.insert(
      lines,
      ('  %s (%s): %d%s'):format(
        vim.fn.fnamemodify(source.path or '?', ':~:.'),
        source.kind or '?',
        source.tables or 0,
        problems > 0 and (', ' .. count(problems, 'problem')) or ''
      )
    )
    for _, message in ipairs(source.messages or {}) do
      table.insert(lines, '    - ' .. message)
    end
  end
  return lines
end

--- The catalog summary of the project of `bufnr` from `client`, waiting for it (for :checkhealth).
---@param client vim.lsp.Client
---@param bufnr integer
---@param timeout_ms integer
---@return table? summary
---@return string? error
function M.summary_sync(client, bufnr, timeout_ms)
  if not M.supports_command(client, M.summary_command) then
    return nil, ('this domain-lsp has no %s command; upgrade it'):format(M.summary_command)
  end
  local params = { command = M.summary_command, arguments = { vim.uri_from_bufnr(bufnr) } }
  local response, err = client:request_sync('workspace/executeCommand', params, timeout_ms, bufnr)
  if not response then
    return nil, err or 'no response'
  end
  if response.err or type(response.result) ~= 'table' then
    return nil, response.err and response.err.message or 'no result'
  end
  return response.result
end

--- Show lines in the scratch buffer domain-lsp://catalog, in a split.
---@param lines string[]
local function show(lines)
  local name = 'domain-lsp://catalog'
  local bufnr = vim.fn.bufnr(name)
  if bufnr == -1 then
    bufnr = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(bufnr, name)
    vim.bo[bufnr].bufhidden = 'hide'
  end
  vim.bo[bufnr].modifiable = true
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, lines)
  vim.bo[bufnr].modifiable = false
  local win = vim.fn.bufwinid(bufnr)
  if win == -1 then
    vim.cmd('botright sbuffer ' .. bufnr)
  else
    vim.api.nvim_set_current_win(win)
  end
end

--- Show what the catalog of the current buffer's project holds.
function M.catalog()
  local bufnr = vim.api.nvim_get_current_buf()
  local client = vim.iter(M.clients(bufnr)):find(function(c)
    return M.supports_command(c, M.summary_command)
  end)
  if not client then
    local running = #M.clients(bufnr) > 0
    notify(
      running and ('this domain-lsp has no %s command; upgrade it'):format(M.summary_command)
        or 'no domain_lsp client is attached to this buffer',
      vim.log.levels.WARN
    )
    return
  end
  local params = { command = M.summary_command, arguments = { vim.uri_from_bufnr(bufnr) } }
  client:request('workspace/executeCommand', params, function(err, result)
    if err or type(result) ~= 'table' then
      notify('catalog summary failed: ' .. (err and err.message or 'no result'), vim.log.levels.ERROR)
      return
    end
    show(M.summary_lines(result))
  end, bufnr)
end

M.subcommands = {
  reload = function()
    M.reload()
  end,
  catalog = M.catalog,
}

--- :DomainLsp {subcommand}
---@param args string[]
function M.command(args)
  local action = M.subcommands[args[1] or '']
  if not action then
    notify(
      ('unknown subcommand %q; use one of: %s'):format(
        args[1] or '',
        table.concat(vim.fn.sort(vim.tbl_keys(M.subcommands)), ', ')
      ),
      vim.log.levels.ERROR
    )
    return
  end
  action()
end

return M
