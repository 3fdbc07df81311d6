-- The plugin's tree-sitter injection query for Python, in a real Neovim.
-- nvim --headless --clean --cmd 'set rtp^=PLUGIN' -l injections.lua SAMPLES.json OUT.json
-- Parses queries/python/injections.scm with Neovim's own `query` parser (always there); when a
-- Python parser is installed, also compiles it for Python and lists, for each sample, the text
-- of every node it injects as SQL.
local samples_file, outpath = arg[1], arg[2]
local result = { errors = vim.empty_dict(), syntax_errors = {} }

local ok, err = xpcall(function()
  local file = assert(vim.api.nvim_get_runtime_file('queries/python/injections.scm', true)[1], 'no query on rtp')
  local text = table.concat(vim.fn.readfile(file), '\n')
  result.first_line = vim.split(text, '\n')[1]
  local root = vim.treesitter.get_string_parser(text, 'query'):parse()[1]:root()
  local function walk(node)
    if node:type() == 'ERROR' or node:missing() then
      table.insert(result.syntax_errors, { node:type(), node:range() })
    end
    for child in node:iter_children() do
      walk(child)
    end
  end
  walk(root)
  local called, loaded = pcall(vim.treesitter.language.add, 'python')
  result.python_parser = called and loaded == true
  if not result.python_parser then
    return
  end
  local query = vim.treesitter.query.parse('python', text)
  local samples = vim.json.decode(table.concat(vim.fn.readfile(samples_file), '\n'))
  result.samples = vim.empty_dict()
  for name, source in pairs(samples) do
    local tree = vim.treesitter.get_string_parser(source, 'python'):parse()[1]
    local injected = {}
    for _, match, metadata in query:iter_matches(tree:root(), source) do
      for id, nodes in pairs(match) do
        if query.captures[id] == 'injection.content' and metadata['injection.language'] == 'sql' then
          for _, node in ipairs(nodes) do
            table.insert(injected, vim.treesitter.get_node_text(node, source))
          end
        end
      end
    end
    result.samples[name] = injected
  end
end, debug.traceback)
if not ok then
  result.errors.query = tostring(err)
end
local out = assert(io.open(outpath, 'w'))
out:write(vim.json.encode(result))
out:close()
os.exit(0)
