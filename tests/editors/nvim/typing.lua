-- Types text key by key into a real Neovim with completion as you type, as a user would.
-- nvim --headless --clean --cmd 'set rtp^=PLUGIN' -l typing.lua WORKSPACE INIT.lua FILE TEXT OUT.json
--
-- This Neovim only drives: it starts a second one (`--embed --headless`: a full editor whose main
-- loop reads typed keys, which a script run with -l cannot do itself) with the same plugin and
-- the user config INIT.lua, opens FILE in WORKSPACE, and sends the keys of TEXT one at a time
-- with nvim_input, letting every completion request the key caused finish before the next key.
-- It records, after each key, the line and whether the completion menu was open, and the buffer
-- at the end.
local workspace, init, file, text, outpath = arg[1], arg[2], arg[3], arg[4], arg[5]
local WAIT_MS = 20000
local result = { keys = {}, errors = vim.empty_dict() }

local function write_result()
  local out = assert(io.open(outpath, 'w'))
  out:write(vim.json.encode(result))
  out:close()
end

local plugin = vim.fs.dirname(vim.fs.dirname(assert(vim.api.nvim_get_runtime_file('lsp/domain_lsp.lua', false)[1])))
local editor = vim.fn.jobstart({
  vim.v.progpath,
  '--embed',
  '--headless',
  '--clean',
  '--cmd',
  'set rtp^=' .. vim.fn.fnameescape(plugin),
  '--cmd',
  'let g:domain_lsp_python = ' .. vim.fn.string(vim.g.domain_lsp_python),
}, { rpc = true, cwd = workspace })

local function lua(code, ...)
  return vim.rpcrequest(editor, 'nvim_exec_lua', code, { ... })
end

local function wait(what, condition)
  if not vim.wait(WAIT_MS, condition, 20) then
    error('timed out waiting for ' .. what, 2)
  end
end

-- In the editor: no request of the client is pending (Neovim sends the completion request 25 ms
-- after a trigger character, so this is asked only after a pause longer than that).
local IDLE = [[
  local client = vim.lsp.get_clients({ bufnr = 0, name = 'domain_lsp' })[1]
  for _, request in pairs(client and client.requests or {}) do
    if request.type == 'pending' then
      return false
    end
  end
  return true
]]

local STATE = [[
  local items = vim.fn.pumvisible() == 1 and vim.fn.complete_info({ 'items' }).items or {}
  return {
    line = vim.api.nvim_get_current_line(),
    menu = vim.tbl_map(function(item) return item.word end, items),
    mode = vim.api.nvim_get_mode().mode,
  }
]]

local ok, err = xpcall(function()
  lua('vim.cmd.source(...)', init)
  lua('vim.cmd("filetype on")')
  lua('vim.cmd.edit(...)', file)
  wait('the client to attach with completion as you type', function()
    return lua([[
      local client = vim.lsp.get_clients({ bufnr = 0, name = 'domain_lsp' })[1]
      return client ~= nil and client.initialized and #vim.api.nvim_get_autocmds({ event = 'InsertCharPre', buffer = 0 }) > 0
    ]])
  end)
  result.completeopt = lua('return vim.o.completeopt')
  result.trigger_characters = lua([[
    local client = vim.lsp.get_clients({ bufnr = 0, name = 'domain_lsp' })[1]
    return vim.tbl_get(client.server_capabilities, 'completionProvider', 'triggerCharacters') or {}
  ]])
  vim.rpcrequest(editor, 'nvim_input', 'i')
  for _, char in ipairs(vim.split(text, '')) do
    local key = char == '\n' and '<CR>' or char == '<' and '<LT>' or char
    vim.rpcrequest(editor, 'nvim_input', key)
    vim.wait(60)
    wait('the completion request after ' .. vim.inspect(char), function()
      return lua(IDLE)
    end)
    local state = lua(STATE)
    state.key = char
    table.insert(result.keys, state)
  end
  vim.rpcrequest(editor, 'nvim_input', '<Esc>')
  wait('Normal mode', function()
    return lua('return vim.api.nvim_get_mode().mode') == 'n'
  end)
  result.buffer = lua('return vim.api.nvim_buf_get_lines(0, 0, -1, false)')
end, debug.traceback)
if not ok then
  result.errors.typing = tostring(err)
end
pcall(lua, 'for _, client in ipairs(vim.lsp.get_clients()) do client:stop(true) end')
vim.fn.jobstop(editor)
write_result()
os.exit(0)
