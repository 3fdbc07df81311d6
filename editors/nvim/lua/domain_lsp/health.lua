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
---@return table<string, { files: string[], folder: string }> config file (or '' for none) -> what it governs
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
    local folder = vim.fn.isdirectory(file) == 1 and file or vim.fs.dirname(file)
    configs[config] = configs[config] or { files = {}, folder = folder }
    table.insert(configs[config].files, vim.fn.fnamemodify(file, ':~:.'))
  end
  return configs
end

--- What the running servers loaded, asked of them (`domain-lsp.catalogSummary`): one entry per
--- client and project among the attached buffers.
---@return { client: vim.lsp.Client, summaries: table[], errors: string[] }[]
local function ask_servers()
  local answers = {}
  for _, client in ipairs(domain_lsp.clients()) do
    local answer = { client = client, summaries = {}, errors = {} }
    local seen = {}
    for bufnr in vim.spairs(client.attached_buffers) do
      if vim.api.nvim_buf_get_name(bufnr) ~= '' then
        local summary, err = domain_lsp.summary_sync(client, bufnr, TIMEOUT_MS)
        if summary then
          local key = type(summary.config) == 'string' and summary.config or ''
          if not seen[key] then
            seen[key] = true
            table.insert(answer.summaries, summary)
          end
        elseif not vim.tbl_contains(answer.errors, err) then
          table.insert(answer.errors, err)
        end
      end
    end
    table.insert(answers, answer)
  end
  return answers
end

--- The config files (and '' for none) whose catalog a running server reported.
---@param answers { summaries: table[] }[]
---@return table<string, true>
local function served_configs(answers)
  local served = {}
  for _, answer in ipairs(answers) do
    for _, summary in ipairs(answer.summaries) do
      served[type(summary.config) == 'string' and vim.fs.normalize(summary.config) or ''] = true
    end
  end
  return served
end

--- Load a config (nil: the one `domain-lsp catalog` discovers in `folder`) and its schema sources
--- with `domain-lsp catalog`, as the server would, and report what is wrong: invalid keys,
--- unparsable schema files, globs that match nothing. With `show_counts` (no server to ask), also
--- what the catalog holds.
---@param cli string[]
---@param config string?
---@param folder string
---@param show_counts boolean
local function validate(cli, config, folder, show_counts)
  local cmd = vim.list_extend(vim.deepcopy(cli), { 'catalog', '--format', 'json' })
  if config then
    vim.list_extend(cmd, { '--config', config })
  end
  local result, err = run(cmd, folder)
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
    health.ok(config and 'config valid, schema sources load' or 'schema sources load')
  end
  if show_counts then
    -- the CLI counts tables without views and schemas as a number; the summary's shape has both in `tables`
    local views = catalog.views or 0
    local summary = {
      tables = (catalog.tables or 0) + views,
      views = views,
      columns = catalog.columns,
      functions = catalog.functions,
      schemas = vim.fn['repeat']({ 0 }, catalog.schemas or 0),
      sources = catalog.sources,
    }
    health.info(('catalog (no server running for these files to ask): %s'):format(domain_lsp.catalog_counts(summary)))
  end
end

---@param cli string[]?
---@param served table<string, true>
local function check_configs(cli, served)
  health.start('domain-lsp config')
  for config, use in vim.spairs(configs_in_use()) do
    local governed = table.concat(use.files, ', ')
    if config == '' then
      health.info(
        ('no domain-lsp.toml or [tool.domain-lsp] for %s: defaults, with the schema files found in the workspace'):format(
          governed
        )
      )
    else
      health.ok(('config found: %s (for %s)'):format(vim.fn.fnamemodify(config, ':~:.'), governed))
    end
    if cli then
      validate(cli, config ~= '' and config or nil, use.folder, not served[config == '' and '' or vim.fs.normalize(config)])
    end
  end
end

---@param answers { client: vim.lsp.Client, summaries: table[], errors: string[] }[]
local function check_clients(answers)
  health.start('domain-lsp clients')
  if #answers == 0 then
    health.info("no domain_lsp client running; vim.lsp.enable('domain_lsp') starts one for SQL and Python files")
    return
  end
  for _, answer in ipairs(answers) do
    local client = answer.client
    health.ok(
      ('client %d running in %s, %d buffer(s) attached'):format(
        client.id,
        client.root_dir and vim.fn.fnamemodify(client.root_dir, ':~:.') or '(no root)',
        vim.tbl_count(client.attached_buffers)
      )
    )
    for _, summary in ipairs(answer.summaries) do
      local config = type(summary.config) == 'string' and vim.fn.fnamemodify(summary.config, ':~:.') or 'no config'
      health.info(('server loaded for %s: %s'):format(config, domain_lsp.catalog_counts(summary)))
      if summary.stale then
        health.warn(('the catalog for %s is stale'):format(config), ':DomainLsp reload')
      end
    end
    for _, err in ipairs(answer.errors) do
      health.warn('could not ask the server what it loaded: ' .. err)
    end
  end
end

function M.check()
  local cli = check_server()
  local answers = ask_servers()
  check_configs(cli, served_configs(answers))
  check_clients(answers)
end

return M
