-- :checkhealth domain_lsp without a running client, once per folder given.
-- nvim --headless --clean --cmd 'set rtp^=PLUGIN' -l checkhealth.lua FOLDER... OUT.json
local outpath = arg[#arg]
local result = { runs = vim.empty_dict(), errors = vim.empty_dict() }
for i = 1, #arg - 1 do
  local folder = arg[i]
  local ok, err = pcall(function()
    vim.cmd.cd(folder)
    vim.cmd('checkhealth domain_lsp')
    result.runs[folder] = vim.api.nvim_buf_get_lines(0, 0, -1, false)
    vim.cmd.bwipeout()
  end)
  if not ok then
    result.errors[folder] = tostring(err)
  end
end
local file = assert(io.open(outpath, 'w'))
file:write(vim.json.encode(result))
file:close()
os.exit(0)
