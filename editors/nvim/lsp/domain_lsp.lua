-- Neovim 0.11+ reads this file for vim.lsp.config('domain_lsp'); `vim.lsp.enable('domain_lsp')`
-- is all a user writes. Settings passed to vim.lsp.config('domain_lsp', {...}) take precedence.
-- The server command is resolved when the config is first used: set g:domain_lsp_python
-- before opening a SQL or Python file (see :help domain_lsp-server).

---@type vim.lsp.Config
return {
  cmd = require('domain_lsp').server_cmd(),
  filetypes = { 'sql', 'python' },
  root_markers = { 'domain-lsp.toml', 'pyproject.toml', '.git' },
  -- run by Neovim itself (from a code lens): see require('domain_lsp').run_command
  commands = {
    ['domain-lsp.markReviewed'] = function(command, ctx)
      require('domain_lsp').run_command(command, ctx)
    end,
  },
}
