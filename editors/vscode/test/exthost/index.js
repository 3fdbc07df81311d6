// Runs inside the real VS Code extension host (loaded through the `extensionTestsPath` payload);
// VS Code calls run() and reports its outcome to the driver. Uses only the `vscode` API.
// The workspace is a throwaway copy of examples/warehouse: this test edits it.
'use strict';
const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs/promises');
const path = require('node:path');
const vscode = require('vscode');

const EXTENSION_ID = 'domain-lsp.domain-lsp';
const WAIT_MS = 30_000;

async function waitFor(what, probe, ms = WAIT_MS) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const codeOf = (d) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));
const describe = (d) => `${d.range.start.line}:${d.range.start.character}-${d.range.end.character} ${codeOf(d)} ${d.message}`;
const root = () => vscode.workspace.workspaceFolders[0].uri;

async function open(relative) {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(root(), relative));
  await vscode.window.showTextDocument(document, { preview: false });
  return document;
}

function findingAt(diagnostics, line, character, code) {
  return diagnostics.find((d) => d.range.start.line === line && d.range.start.character === character && codeOf(d) === code);
}

const FIRST = 'the server starts with the configured interpreter';
const tests = {
  async [FIRST](api) {
    const status = await api.ready();
    assert.equal(status.state, 'running', `server state: ${JSON.stringify(status)}`);
    assert.equal(status.interpreter.source, 'setting');
    assert.match(status.version, /^\d+\.\d+/);
  },

  async 'diagnostics land on the offending tokens'() {
    const document = await open('reports/ai_churn_report.sql');
    const diagnostics = await waitFor('diagnostics of ai_churn_report.sql', () => {
      const found = vscode.languages.getDiagnostics(document.uri);
      return findingAt(found, 5, 5, 'unknown-table') ? found : null;
    });
    console.log(`E2E diagnostics:\n  ${diagnostics.map(describe).join('\n  ')}`);
    for (const d of diagnostics) assert.equal(d.source, 'domain-lsp');
    // `o.order_date` on line 4: the column, not the whole expression, is underlined.
    const column = findingAt(diagnostics, 3, 9, 'unknown-column');
    assert.ok(column, 'no unknown-column at o.order_date');
    assert.equal(column.range.end.character, 19);
    assert.equal(column.severity, vscode.DiagnosticSeverity.Error);
    assert.match(column.message, /order_date/);
    assert.match(String(column.code.target), /rules\.md#unknown-column$/);
    assert.ok(findingAt(diagnostics, 4, 7, 'unknown-function'), 'no unknown-function at NVL');
  },

  async 'valid SQL gets no diagnostics, an edit gets exactly its own'() {
    const document = await open('queries/monthly_revenue.sql');
    const lastLine = document.lineCount;
    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, document.lineAt(document.lineCount - 1).range.end, '\nSELECT nope FROM orders;\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const diagnostics = await waitFor('a diagnostic for the added line', () => {
      const found = vscode.languages.getDiagnostics(document.uri);
      return found.length ? found : null;
    });
    assert.deepEqual(diagnostics.map(describe), [`${lastLine}:7-11 unknown-column ${diagnostics[0].message}`]);
  },

  async 'completion offers the columns of the aliased table'() {
    const file = path.join(root().fsPath, 'queries', 'scratch.sql');
    await fs.writeFile(file, 'SELECT o. FROM sales.orders o;\n');
    const document = await open('queries/scratch.sql');
    const list = await vscode.commands.executeCommand(
      'vscode.executeCompletionItemProvider',
      document.uri,
      new vscode.Position(0, 9),
    );
    const labels = list.items.map((item) => (typeof item.label === 'string' ? item.label : item.label.label));
    console.log(`E2E completion: ${labels.slice(0, 20).join(', ')}`);
    for (const column of ['order_id', 'customer_id', 'ordered_at', 'status', 'channel']) {
      assert.ok(labels.includes(column), `completion lacks ${column}`);
    }
    assert.ok(!labels.includes('order_date'), 'completion offers a column orders does not have');
  },

  async 'Reload Catalog picks up a schema changed on disk'() {
    const report = await open('reports/ai_churn_report.sql');
    const schema = path.join(root().fsPath, 'schema', '02_sales.sql');
    await fs.appendFile(schema, '\nCREATE TABLE sales.customers (id bigint, customer_name text, email text);\n');
    await vscode.commands.executeCommand('domainLsp.reloadCatalog');
    await waitFor('unknown-table customers to go away', () => {
      const found = vscode.languages.getDiagnostics(report.uri);
      return found.length > 0 && !findingAt(found, 5, 5, 'unknown-table');
    });
  },

  async 'Show Catalog Summary opens a read-only preview with the catalog counts'() {
    const before = new Set(vscode.workspace.textDocuments.map((d) => d.uri.toString()));
    // An earlier case's edit may leave its own file dirty: only a tab the command made counts.
    const tabKey = (tab) => `${tab.label}|${tab.input && tab.input.uri ? tab.input.uri.toString() : ''}`;
    const dirtyBefore = new Set(vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.isDirty).map(tabKey));
    await vscode.commands.executeCommand('domainLsp.showCatalogSummary');
    const preview = await waitFor('the summary preview tab', () =>
      vscode.window.tabGroups.all
        .flatMap((group) => group.tabs)
        .find((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.includes('markdown.preview')),
    );
    console.log(`E2E summary tab: ${preview.label}`);
    // no Untitled buffer asking to be saved: the summary is the virtual document domain-lsp:/catalog-summary.md
    const opened = vscode.workspace.textDocuments.filter((d) => !before.has(d.uri.toString()));
    assert.deepEqual(opened.filter((d) => d.isUntitled || d.uri.scheme === 'untitled'), []);
    const dirty = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.isDirty && !dirtyBefore.has(tabKey(tab)));
    assert.deepEqual(dirty.map(tabKey), []);
    // a content provider's document, which VS Code's editors open read-only
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse('domain-lsp:/catalog-summary.md'));
    assert.equal(document.isUntitled, false);
    assert.equal(document.isDirty, false);
    const text = document.getText();
    assert.match(text, /^# domain-lsp catalog/);
    assert.match(text, /Dialect: postgres/);
    const counts = text.match(/^- Catalog: (.*)$/m);
    assert.ok(counts, text);
    console.log(`E2E summary counts: ${counts[1]}`);
    await vscode.window.tabGroups.close(preview);
  },

  async 'agent mode is given an MCP server that starts and lists the tools'(api) {
    // Where VS Code has the MCP API (1.100 under an older contribution name, 1.101+) the extension
    // registers with it; elsewhere it says so. Either way the definition it gives must start.
    const hasApi = typeof vscode.lm?.registerMcpServerDefinitionProvider === 'function';
    assert.equal(api.mcpRegistration, hasApi ? 'registered' : 'unsupported');
    const [spec] = api.mcpServers();
    assert.ok(spec, 'no MCP server definition for the workspace folder');
    assert.deepEqual(spec.args.slice(0, 5), ['-m', 'domain_lsp', 'mcp', '--root', root().fsPath]);
    assert.equal(spec.args[5], vscode.workspace.isTrusted ? '--trust' : '--no-trust');
    const child = childProcess.spawn(spec.command, spec.args, { cwd: spec.cwd, stdio: ['pipe', 'pipe', 'ignore'] });
    try {
      const answers = new Map();
      let buffered = '';
      child.stdout.on('data', (chunk) => {
        buffered += chunk;
        for (let at = buffered.indexOf('\n'); at >= 0; at = buffered.indexOf('\n')) {
          const message = JSON.parse(buffered.slice(0, at));
          buffered = buffered.slice(at + 1);
          if (message.id !== undefined) answers.set(message.id, message);
        }
      });
      const send = (message) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
      send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'exthost-test', version: '0' } } });
      await waitFor('the MCP initialize answer', () => answers.get(1));
      send({ method: 'notifications/initialized' });
      send({ id: 2, method: 'tools/call', params: { name: 'describe_table', arguments: { name: 'sales.orders' } } });
      send({ id: 3, method: 'tools/list' });
      const listed = await waitFor('the MCP tools/list answer', () => answers.get(3));
      const names = listed.result.tools.map((tool) => tool.name);
      for (const name of ['check_sql', 'search_catalog', 'describe_table', 'join_path']) assert.ok(names.includes(name), names.join());
      const described = JSON.parse((await waitFor('the describe_table answer', () => answers.get(2))).result.content[0].text);
      assert.ok(described.columns.some((column) => column.name === 'ordered_at'), JSON.stringify(described));
    } finally {
      child.kill();
    }
  },

  async 'a missing interpreter or package is reported, and fixing the setting recovers'(api) {
    const settings = vscode.workspace.getConfiguration('domainLsp');
    const waitState = (state) =>
      waitFor(`server state ${state}`, async () => {
        const status = await api.ready();
        return status.state === state ? status : null;
      });
    try {
      await settings.update('interpreter', '/nonexistent/bin/python3', vscode.ConfigurationTarget.Workspace);
      await waitState('no-python');
      // A Python without the package: the user's interpreter started so that it cannot see it.
      const shim = path.join(root().fsPath, 'python-without-domain-lsp');
      // -S skips site-packages, where domain-lsp is installed; -I ignores PYTHONPATH and the cwd.
      const python = settings.inspect('interpreter').globalValue;
      await fs.writeFile(shim, `#!/bin/sh\nexec "${python}" -I -S "$@"\n`, { mode: 0o755 });
      await settings.update('interpreter', shim, vscode.ConfigurationTarget.Workspace);
      const status = await waitState('no-package');
      assert.match(status.detail, /domain_lsp|ModuleNotFoundError|No module/);
    } finally {
      await settings.update('interpreter', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitState('running');
  },

  async 'Restart Server brings diagnostics back'(api) {
    const status = await vscode.commands.executeCommand('domainLsp.restartServer');
    assert.equal(status.state, 'running');
    assert.equal(api.status.state, 'running');
    const document = await open('reports/ai_churn_report.sql');
    await waitFor('diagnostics after the restart', () => findingAt(vscode.languages.getDiagnostics(document.uri), 3, 9, 'unknown-column'));
  },
};

exports.run = async function run() {
  // Activate before opening any document: a document opened while the client starts can miss its didOpen.
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed`);
  const api = await extension.activate();
  let failed = 0;
  for (const [name, test] of Object.entries(tests)) {
    const started = Date.now();
    try {
      await test(api);
      console.log(`E2E PASS ${name} (${Date.now() - started} ms)`);
    } catch (error) {
      failed += 1;
      console.log(`E2E FAIL ${name}: ${error && error.stack ? error.stack : error}`);
      if (api.status.state !== 'running' && test === tests[FIRST]) {
        break; // without a server every other case would only wait for its timeout
      }
    }
  }
  console.log(`E2E ${Object.keys(tests).length - failed} passed, ${failed} failed`);
  if (failed) throw new Error(`${failed} extension-host test(s) failed`);
};
