-- :checkhealth domain_lsp — can the server start, which config governs the open files, does it load.
local domain_lsp = require('domain_lsp')

local M = {}

local TIMEOUT_MS = 30000
local health = vim.health

---@param cmd string[]
---@param cwd? string
---@return vim.SystemCompleted? result nil when the command could not be started
---@return string? error
local function run(cmd, cwd)
  local ok, process = pcall(vim.system, cmd, { text = true, cwd = cwd })
  if not ok then
    return nil, tostring(process)
  end
  local result = process:wait(TIMEOUT_MS)
  if result.code == 124 and result.signal == 9 then -- what wait() reports after killing it
    return nil, ('timed out after %d s'):format(TIMEOUT_MS / 1000)
  end
  return result
end

local function first_line(text)
  return vim.trim(text or ''):match('[^\n]*')
end

--- The server: which command, and does it answer --version.
---@return string[]? cli
local function check_server()
  health.start('domain-lsp server')
  if vim.fn.has('nvim-0.11') == 0 then
    health.error('Neovim 0.11 or newer is needed for vim.lsp.config/vim.lsp.enable')
    return nil
  end
  local cli, origin = domain_lsp.effective_cli()
  local cmd = vim.lsp.config[domain_lsp.name] and vim.lsp.config[domain_lsp.name].cmd
  if cli == nil then
    health.info(('cmd set by %s; not run here'):format(origin))
    return nil
  end
  health.info(('cmd: `%s` (from %s)'):format(table.concat(cmd, ' '), origin))
  if vim.fn.executable(cli[1]) == 0 then
    health.error(('`%s` is not executable'):format(cli[1]), {
      'pip install domain-lsp, or',
      "let g:domain_lsp_python = '/path/to/venv/bin/python' (an interpreter with domain-lsp installed)",
    })
    return nil
  end
  local result, err = run(vim.list_extend(vim.deepcopy(cli), { '--version' }))
  if result == nil or result.code ~= 0 then
    health.error(
      ('`%s --version` failed: %s'):format(
        table.concat(cli, ' '),
        err or first_line(result and result.stderr ~= '' and result.stderr or result and result.stdout)
      ),
      { 'is domain-lsp installed for this interpreter? set g:domain_lsp_python' }
    )
    return nil
  end
  health.ok('server found: ' .. first_line(result.stdout))
  return cli
end

--- Files whose config matters: the buffers the server is attached to, else the current folder.
---@return table<string, string[]> config file (or '' for none) -> files it governs
local function configs_in_use()
  local files = {}
  for _, client in ipairs(domain_lsp.clients()) do
    for bufnr in pairs(client.attached_buffers) do
      local name = vim.api.nvim_buf_get_name(bufnr)
      if name ~= '' then
        table.insert(files, name)
      end
    end
  end
  if #files == 0 then
    files = { vim.fn.getcwd() }
  end
  local configs = {}
  for _, file in ipairs(files) do
    local config = domain_lsp.find_config(file) or ''
    configs[config] = configs[config] or {}
    table.insert(configs[config], vim.fn.fnamemodify(file, ':~:.'))
  end
  return configs
end

---@param n integer
---@param word string
local function count(n, word)
  return ('%d %s%s'):format(n, word, n == 1 and '' or 's')
end

--- Load a config and its schema sources with `domain-lsp catalog`, as the server would, and
--- report what is wrong: invalid keys, unparsable schema files, globs that match nothing.
---@param cli string[]
---@param config string
local function validate(cli, config)
  local cmd = vim.list_extend(vim.deepcopy(cli), { 'catalog', '--config', config, '--format', 'json' })
  local result, err = run(cmd, vim.fs.dirname(config))
  if result == nil then
    health.error(('could not run `%s`: %s'):format(table.concat(cmd, ' '), err))
    return
  end
  if result.code == 2 then
    if result.stderr:find('invalid choice', 1, true) then
      health.warn('this domain-lsp has no `catalog` command, so the config was not checked', 'upgrade domain-lsp')
    else
      health.error('config invalid: ' .. first_line(result.stderr):gsub('^domain%-lsp: ', ''))
    end
    return
  end
  local ok, catalog = pcall(vim.json.decode, result.stdout, { luanil = { object = true, array = true } })
  if not ok or type(catalog) ~= 'table' then
    health.error('unexpected output from `domain-lsp catalog`: ' .. first_line(result.stdout .. result.stderr))
    return
  end
  local problems = 0
  for _, source in ipairs(catalog.sources or {}) do
    for _, problem in ipairs(source.problems or {}) do
      problems = problems + 1
      local where = vim.fn.fnamemodify(source.path or '?', ':~:.')
      health.warn(('%s:%s:%s: %s'):format(where, problem.line or '?', problem.character or '?', problem.message))
    end
  end
  for _, glob in ipairs(catalog.missing_globs or {}) do
    problems = problems + 1
    health.warn(('schema glob `%s` matches no file'):format(glob))
  end
  if problems == 0 then
    health.ok('config valid, schema sources load')
  end
  health.info(
    ('catalog: %s, %s, %s, %s in %s, from %s'):format(
      count(catalog.tables or 0, 'table'),
      count(catalog.views or 0, 'view'),
      count(catalog.columns or 0, 'column'),
      count(catalog.functions or 0, 'function'),
      count(catalog.schemas or 0, 'schema'),
      count(#(catalog.sources or {}), 'source')
    )
  )
end

---@param cli string[]?
local function check_configs(cli)
  health.start('domain-lsp config')
  for config, files in vim.spairs(configs_in_use()) do
    local governed = table.concat(files, ', ')
    if config == '' then
      health.info(
        ('no domain-lsp.toml or [tool.domain-lsp] for %s: defaults (no schemas, so every table is unknown)'):format(
          governed
        )
      )
    else
      health.ok(('config found: %s (for %s)'):format(vim.fn.fnamemodify(config, ':~:.'), governed))
      if cli then
        validate(cli, config)
      end
    end
  end
end

local function check_clients()
  health.start('domain-lsp clients')
  local clients = domain_lsp.clients()
  if #clients == 0 then
    health.info("no domain_lsp client running; vim.lsp.enable('domain_lsp') starts one for SQL and Python files")
    return
  end
  for _, client in ipairs(clients) do
    health.ok(
      ('client %d running in %s, %d buffer(s) attached'):format(
        client.id,
        client.root_dir and vim.fn.fnamemodify(client.root_dir, ':~:.') or '(no root)',
        vim.tbl_count(client.attached_buffers)
      )
    )
  end
end

function M.check()
  local cli = check_server()
  check_configs(cli)
  check_clients()
end

return M
