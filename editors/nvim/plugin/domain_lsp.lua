-- Loaded at startup: the :DomainLsp command, code lenses, and fresh diagnostics after a save. Starting the
-- server is left to the user's vim.lsp.enable('domain_lsp').
if vim.g.loaded_domain_lsp or vim.fn.has('nvim-0.11') == 0 then
  return
end
vim.g.loaded_domain_lsp = true

vim.api.nvim_create_user_command('DomainLsp', function(opts)
  require('domain_lsp').command(opts.fargs)
end, {
  nargs = 1,
  desc = 'domain-lsp: reload the catalog, or show a summary of it',
  complete = function(lead)
    return vim.tbl_filter(function(name)
      return vim.startswith(name, lead)
    end, { 'catalog', 'reload' })
  end,
})

-- Saving a schema file or config makes the server reload its catalog. Neovim 0.11 ignores the
-- server's request to pull diagnostics again, so ask for the other buffers' diagnostics here.
local group = vim.api.nvim_create_augroup('domain_lsp', { clear = true })
vim.api.nvim_create_autocmd('BufWritePost', {
  group = group,
  callback = function(event)
    for _, client in ipairs(require('domain_lsp').clients(event.buf)) do
      -- after the server has handled didSave, which Neovim sends on this same event
      vim.schedule(function()
        require('domain_lsp').refresh(client)
      end)
    end
  end,
})

-- A config file is not attached to the server, so it never hears of its saving: reload.
vim.api.nvim_create_autocmd('BufWritePost', {
  group = group,
  pattern = { 'domain-lsp.toml', 'pyproject.toml' },
  callback = function(event)
    local domain_lsp = require('domain_lsp')
    local file = vim.fs.normalize(vim.fn.fnamemodify(event.file, ':p'))
    -- a pyproject.toml without [tool.domain-lsp] is not a config
    if #domain_lsp.clients() > 0 and domain_lsp.find_config(file) == file then
      domain_lsp.reload()
    end
  end,
})

-- The summary above a suggested block is a code lens; Neovim shows lenses only when asked.
vim.api.nvim_create_autocmd('LspAttach', {
  group = group,
  callback = function(event)
    local client = vim.lsp.get_client_by_id(event.data.client_id)
    if
      client
      and client.name == 'domain_lsp'
      and vim.g.domain_lsp_codelens ~= false
      and client:supports_method('textDocument/codeLens')
    then
      require('domain_lsp').enable_codelens(event.buf)
    end
  end,
})
