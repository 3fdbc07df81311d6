// Tokenizes Python samples the way VS Code does: vscode-textmate with the Oniguruma WASM build,
// VS Code's own Python and SQL grammars, and this extension's injection grammar, injected into
// source.python as package.json's contributes.grammars says. Prints, for each sample, the text of
// every token inside embedded SQL and the scopes of each token, as JSON on one line.
// Usage: node tokenize.js PYTHON_GRAMMAR SQL_GRAMMAR SAMPLES.json
//   SAMPLES.json: {"name": "python source", ...}
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const oniguruma = require('vscode-oniguruma');
const textmate = require('vscode-textmate');

const EXTENSION = path.resolve(__dirname, '..', '..');
const EMBEDDED = 'meta.embedded.block.sql';

async function main() {
  const [pythonGrammar, sqlGrammar, samplesFile] = process.argv.slice(2);
  const manifest = JSON.parse(fs.readFileSync(path.join(EXTENSION, 'package.json'), 'utf8'));
  const injections = manifest.contributes.grammars.filter((g) => (g.injectTo || []).includes('source.python'));
  const files = { 'source.python': pythonGrammar, 'source.sql': sqlGrammar };
  for (const grammar of injections) files[grammar.scopeName] = path.join(EXTENSION, grammar.path);

  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) => {
      const file = files[scopeName];
      if (!file) return null;
      return textmate.parseRawGrammar(fs.readFileSync(file, 'utf8'), file);
    },
    getInjections: (scopeName) => (scopeName === 'source.python' ? injections.map((g) => g.scopeName) : undefined),
  });
  const python = await registry.loadGrammar('source.python');
  const samples = JSON.parse(fs.readFileSync(samplesFile, 'utf8'));
  const result = {
    injections: injections.map((g) => ({ scopeName: g.scopeName, embeddedLanguages: g.embeddedLanguages })),
    samples: {},
  };
  for (const [name, source] of Object.entries(samples)) {
    let state = textmate.INITIAL;
    const tokens = [];
    let sql = '';
    for (const line of source.split('\n')) {
      const lineTokens = python.tokenizeLine(line, state);
      for (const token of lineTokens.tokens) {
        const text = line.slice(token.startIndex, token.endIndex);
        tokens.push({ text, scopes: token.scopes });
        if (token.scopes.includes(EMBEDDED)) sql += text;
      }
      state = lineTokens.ruleStack;
      // The line break is SQL when the line ends inside it. (The scopes a line ends in are not
      // public API; 9.3.2, pinned in package.json, keeps them here.)
      if (state.contentNameScopesList.getScopeNames().includes(EMBEDDED)) sql += '\n';
    }
    result.samples[name] = { sql, tokens };
  }
  console.log(JSON.stringify(result));
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
