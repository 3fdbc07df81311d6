-- End-to-end run of the domain-lsp Neovim plugin in a real headless Neovim.
-- nvim --headless --clean --cmd 'set rtp^=PLUGIN' -l e2e.lua WORKSPACE OUT.json
-- Each step records what the editor saw into one JSON file that pytest asserts on; a step that
-- fails records its error and the run goes on. Every wait is bounded.
local workspace, outpath = arg[1], arg[2]
local WAIT_MS = 20000
local result = { nvim = tostring(vim.version()), errors = vim.empty_dict(), notifications = {}, step_ms = vim.empty_dict() }

local function finish()
  for _, client in ipairs(vim.lsp.get_clients()) do
    client:stop(true)
  end
  local file = assert(io.open(outpath, 'w'))
  file:write(vim.json.encode(result))
  file:close()
  os.exit(0)
end

local attached = true -- false once attaching failed: the steps that need the server are skipped

local function step(name, fn, needs_server)
  if needs_server ~= false and not attached then
    result.errors[name] = 'skipped: the client never attached'
    return
  end
  local started = vim.uv.hrtime()
  local ok, err = xpcall(fn, debug.traceback)
  result.step_ms[name] = math.floor((vim.uv.hrtime() - started) / 1e6)
  if not ok then
    result.errors[name] = tostring(err)
  end
end

local function wait(what, condition)
  if not vim.wait(WAIT_MS, condition, 20) then
    error('timed out waiting for ' .. what, 2)
  end
end

local function path(relative)
  return vim.fs.joinpath(workspace, relative)
end

local function diagnostics(bufnr)
  local items = vim.diagnostic.get(bufnr)
  table.sort(items, function(a, b)
    if a.lnum ~= b.lnum then
      return a.lnum < b.lnum
    end
    return a.col < b.col
  end)
  return vim.tbl_map(function(d)
    return {
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      code = d.code,
      message = d.message,
      severity = d.severity,
      source = d.source,
    }
  end, items)
end

local function mentions(bufnr, word)
  return vim.iter(vim.diagnostic.get(bufnr)):any(function(d)
    return d.message:find(word, 1, true) ~= nil
  end)
end

local function client_of(bufnr)
  return vim.lsp.get_clients({ bufnr = bufnr, name = 'domain_lsp' })[1]
end

-- A request at a 0-based (line, byte column) of the current window's buffer.
local function request_at(method, line, col, extra)
  local bufnr = vim.api.nvim_get_current_buf()
  vim.api.nvim_win_set_cursor(0, { line + 1, col })
  local client = assert(client_of(bufnr), 'no client')
  local params = vim.tbl_extend('force', vim.lsp.util.make_position_params(0, client.offset_encoding), extra or {})
  local response = client:request_sync(method, params, WAIT_MS, bufnr)
  assert(response, method .. ': no response')
  assert(not response.err, method .. ': ' .. vim.inspect(response.err))
  return response.result, client
end

vim.notify = function(msg, level)
  table.insert(result.notifications, { message = msg, level = level })
end
vim.lsp.log.set_level(os.getenv('DOMAIN_LSP_TEST_LOG_LEVEL') or 'WARN') -- DEBUG logs every message

-- How the server command is chosen, before anything starts it.
step('resolve', function()
  local domain_lsp = require('domain_lsp')
  local python, saved_path = vim.g.domain_lsp_python, vim.env.PATH
  local fake_bin = vim.fn.tempname()
  vim.fn.mkdir(fake_bin, 'p')
  local fake = vim.fs.joinpath(fake_bin, 'domain-lsp')
  vim.fn.writefile({ '#!/bin/sh' }, fake)
  vim.uv.fs_chmod(fake, tonumber('755', 8))
  local seen = {}
  local function record(name)
    local cmd, origin = domain_lsp.cli()
    seen[name] = { cmd = cmd, origin = origin }
  end
  record('python')
  vim.g.domain_lsp_python = nil
  vim.env.PATH = fake_bin
  record('path')
  vim.env.PATH = vim.fn.tempname() -- a folder that does not exist: nothing on PATH
  record('fallback')
  vim.g.domain_lsp_python, vim.env.PATH = python, saved_path
  result.resolve = seen
end, false)

vim.lsp.enable('domain_lsp')
vim.cmd('filetype on')

local report
step('attach', function()
  vim.cmd.edit(path('reports/ai_churn_report.sql'))
  report = vim.api.nvim_get_current_buf()
  result.filetype = vim.bo[report].filetype
  wait('the client to attach', function()
    local client = client_of(report)
    return client ~= nil and client.initialized
  end)
  local client = client_of(report)
  result.client = {
    id = client.id,
    cmd = client.config.cmd,
    root_dir = client.root_dir,
    offset_encoding = client.offset_encoding,
    pulls = client:supports_method('textDocument/diagnostic'),
  }
end)
attached = result.errors.attach == nil

step('diagnostics', function()
  -- the last line of the file is a statement appended by the test; wait for its finding too
  local last = vim.api.nvim_buf_line_count(report) - 1
  wait('diagnostics', function()
    return vim.iter(vim.diagnostic.get(report)):any(function(d)
      return d.lnum == last
    end)
  end)
  result.diagnostics = diagnostics(report)
end)

step('hover', function()
  local hover = request_at('textDocument/hover', 10, 9) -- c.full_name
  result.hover = hover and hover.contents
end)

step('definition', function()
  local locations = request_at('textDocument/definition', 11, 10) -- FROM core.customer c
  result.definition = vim.islist(locations) and locations or { locations }
end)

step('code_action', function()
  local line = 5 -- FROM customers c
  local actions = request_at('textDocument/codeAction', line, 5, {
    range = { start = { line = line, character = 5 }, ['end'] = { line = line, character = 14 } },
    context = { diagnostics = vim.lsp.diagnostic.from(vim.diagnostic.get(report, { lnum = line })) },
  })
  result.code_actions = vim.tbl_map(function(a)
    return a.title
  end, actions or {})
end)

step('completion', function()
  -- typed into the buffer, so the server must have followed the edit
  local count = vim.api.nvim_buf_line_count(report)
  vim.api.nvim_buf_set_lines(report, count, count, false, { 'SELECT o. FROM orders o;' })
  local completion = request_at('textDocument/completion', count, #'SELECT o.')
  local items = completion and (completion.items or completion) or {}
  result.completion = vim.tbl_map(function(item)
    return { label = item.label, kind = item.kind, detail = item.detail }
  end, items)
  vim.api.nvim_buf_set_lines(report, count, count + 1, false, {})
end)

step('suggestion', function()
  -- two lines in one change: how an accepted AI suggestion or a paste reaches the server
  local function lenses()
    return vim.tbl_filter(function(lens)
      return lens.command ~= nil and vim.startswith(lens.command.title, 'Suggestion')
    end, vim.lsp.codelens.get(report))
  end
  -- inserted before the last line (Neovim sends it as a change of the line break ending the line before)
  local at = vim.api.nvim_buf_line_count(report) - 1
  vim.api.nvim_buf_set_lines(report, at, at, false, { 'SELECT c.nickname', 'FROM core.customer c;' })
  wait('the code lens of the suggestion', function()
    return #lenses() > 0 and mentions(report, 'in an unreviewed suggestion')
  end)
  local lens = lenses()[1]
  result.suggestion = { line = lens.range.start.line, title = lens.command.title, block_line = at }
  -- run the lens as a user would, from its line: it marks the suggestion reviewed
  vim.api.nvim_win_set_cursor(0, { lens.range.start.line + 1, 0 })
  vim.lsp.codelens.run()
  wait('the lens and the mark to go', function()
    return #lenses() == 0 and not mentions(report, 'in an unreviewed suggestion')
  end)
  result.suggestion.reviewed = mentions(report, 'nickname')
  vim.api.nvim_buf_set_lines(report, at, at + 2, false, {})
end)

step('python', function()
  vim.cmd.edit(path('pipeline/load.py'))
  local buf = vim.api.nvim_get_current_buf()
  wait('the client to attach to Python', function()
    local client = client_of(buf)
    return client ~= nil and client.initialized
  end)
  local client = client_of(buf)
  -- longer bound: the first Python analysis starts jedi, which takes seconds on a busy machine
  local response = client:request_sync(
    'textDocument/diagnostic',
    { textDocument = vim.lsp.util.make_text_document_params(buf) },
    3 * WAIT_MS,
    buf
  )
  assert(response and not response.err, 'diagnostic pull failed: ' .. vim.inspect(response))
  result.python = {
    filetype = vim.bo[buf].filetype,
    client_id = client.id,
    pulled = #(response.result.items or {}),
    diagnostics = diagnostics(buf),
  }
  -- the example's AI-drafted pipeline: its import findings reach Neovim like SQL's do
  vim.cmd.edit(path('pipelines/crm_sync.py'))
  local drafted = vim.api.nvim_get_current_buf()
  if not vim.wait(3 * WAIT_MS, function()
    return #vim.diagnostic.get(drafted) > 0
  end, 20) then
    error('timed out waiting for the Python diagnostics')
  end
  result.python.drafted = diagnostics(drafted)
end)

step('reload', function()
  -- a schema changed outside the editor: only :DomainLsp reload makes the server see it
  local schema = assert(io.open(path('schema/02_sales.sql'), 'a'))
  schema:write('\nALTER TABLE sales.orders ADD COLUMN order_date date;\n')
  schema:close()
  vim.cmd('DomainLsp reload')
  wait('order_date diagnostics to go', function()
    return not mentions(report, 'order_date')
  end)
  result.after_reload = diagnostics(report)
end)

step('save', function()
  -- a schema saved in the editor: the server reloads and the plugin pulls other buffers again
  vim.cmd.edit(path('schema/01_core.sql'))
  local buf = vim.api.nvim_get_current_buf()
  vim.api.nvim_buf_set_lines(buf, -1, -1, false, { 'ALTER TABLE core.customer ADD COLUMN signup_date date;' })
  vim.cmd.write()
  wait('signup_date diagnostics to go', function()
    return not mentions(report, 'signup_date')
  end)
  result.after_save = diagnostics(report)
end)

step('config_save', function()
  -- the config is not attached to the server; saving it in Neovim reloads all the same
  local function reloads()
    return #vim.tbl_filter(function(n)
      return n.message == 'domain-lsp: catalog reloaded'
    end, result.notifications)
  end
  local before = reloads()
  vim.cmd.edit(path('domain-lsp.toml'))
  vim.api.nvim_buf_set_lines(0, -1, -1, false, { '# edited in Neovim' })
  vim.cmd.write()
  wait('a reload after saving the config', function()
    return reloads() > before
  end)
  result.config_save = { reloads = reloads() - before }
end)

step('catalog', function()
  vim.cmd.buffer(report)
  vim.cmd('DomainLsp catalog')
  wait('the catalog summary', function()
    return vim.fn.bufexists('domain-lsp://catalog') == 1
  end)
  local bufnr = vim.fn.bufnr('domain-lsp://catalog')
  result.catalog = {
    lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false),
    shown = vim.fn.bufwinid(bufnr) ~= -1,
    modifiable = vim.bo[bufnr].modifiable,
  }
  vim.cmd.close()
end)

step('checkhealth', function()
  vim.cmd.buffer(report)
  vim.cmd('checkhealth domain_lsp')
  result.checkhealth = vim.api.nvim_buf_get_lines(0, 0, -1, false)
end, false)

step('help', function()
  -- with the tags file the plugin ships: no :helptags run here
  local tags = {}
  for _, tag in ipairs({ 'domain_lsp', 'domain_lsp-server', ':DomainLsp', 'g:domain_lsp_python' }) do
    tags[tag] = pcall(vim.cmd.help, tag) and vim.fn.expand('%:t') == 'domain_lsp.txt'
  end
  result.help = tags
end, false)

step('lsp_log', function()
  local log = io.open(vim.lsp.log.get_filename(), 'r')
  result.lsp_log = {}
  if log then
    for line in log:lines() do
      table.insert(result.lsp_log, line)
    end
    log:close()
  end
end, false)

finish()
