// domain-lsp for VS Code: runs `<python> -m domain_lsp serve` and wires its commands,
// settings and state into the editor.
import * as vscode from 'vscode';
import { onPythonEnvironmentChange } from './interpreter';
import { type McpRegistration, type McpServerSpec, mcpServerSpecs, registerMcpServers } from './mcp';
import { type ServerController as Controller, ServerController, type ServerStatus } from './server';
import { RESTART_SETTINGS, SECTION } from './settings';
import { explainMissing } from './setup';
import { MENU_COMMAND, StatusItem, showMenu } from './status';
import { SUMMARY_SCHEME, SummaryDocuments, showCatalogSummary } from './summary';

const RELOAD_CATALOG = 'domain-lsp.reloadCatalog';

/** What the extension returns from activate(): used by the tests, stable enough for others. */
export interface DomainLspApi {
  readonly status: ServerStatus;
  readonly onDidChangeStatus: vscode.Event<ServerStatus>;
  /** Resolves when every (re)start asked for so far finished, whatever its outcome. */
  ready(): Promise<ServerStatus>;
  restart(): Promise<ServerStatus>;
  /** Whether agent mode was given the MCP server (VS Code 1.101+), and what it would start. */
  readonly mcpRegistration: McpRegistration;
  mcpServers(): McpServerSpec[];
}

let controller: Controller | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<DomainLspApi> {
  const output = vscode.window.createOutputChannel('domain-lsp', { log: true });
  const server = new ServerController(output);
  controller = server;
  const status = new StatusItem();
  context.subscriptions.push(output, server, status);

  let explained: string | undefined;
  context.subscriptions.push(
    server.onDidChangeStatus((current) => {
      status.update(current);
      // One notification per problem and interpreter, not one per restart.
      const key = `${current.state}:${current.interpreter?.command}`;
      if ((current.state === 'no-python' || current.state === 'no-package') && explained !== key) {
        explained = key;
        void explainMissing(current, output, () => server.restart());
      } else if (current.state === 'running') {
        explained = undefined;
      }
    }),
  );

  const reloadCatalog = async (): Promise<void> => {
    if (server.status.state !== 'running') {
      void vscode.window.showWarningMessage('domain-lsp: the server is not running; restart it first.');
      return;
    }
    await vscode.commands.executeCommand(RELOAD_CATALOG);
    vscode.window.setStatusBarMessage('domain-lsp: catalog reloaded', 3000);
  };

  // The summary is a read-only virtual document, shown as a Markdown preview: nothing to save.
  const summaries = new SummaryDocuments();
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(SUMMARY_SCHEME, summaries),
    summaries,
    vscode.commands.registerCommand('domainLsp.restartServer', () => server.restart()),
    vscode.commands.registerCommand('domainLsp.reloadCatalog', reloadCatalog),
    vscode.commands.registerCommand('domainLsp.showCatalogSummary', () => showCatalogSummary(server, summaries)),
    vscode.commands.registerCommand('domainLsp.showOutput', () => output.show()),
    vscode.commands.registerCommand('domainLsp.openSettings', () =>
      vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${context.extension.id}`),
    ),
    vscode.commands.registerCommand(MENU_COMMAND, showMenu),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (RESTART_SETTINGS.some((name) => event.affectsConfiguration(name))) {
        void server.restart();
      }
    }),
    // Trust changes which interpreters may run (the workspace's own environment only when trusted).
    vscode.workspace.onDidGrantWorkspaceTrust(() => void server.restart()),
  );

  const environmentChange = await onPythonEnvironmentChange(() => {
    if (!vscode.workspace.getConfiguration(SECTION).get<string>('interpreter', '').trim()) {
      void server.restart();
    }
  });
  if (environmentChange) {
    context.subscriptions.push(environmentChange);
  }

  const mcpRegistration = registerMcpServers(server, output, context.subscriptions);

  // Start in the background: activation must not wait on Python, the API's ready() does.
  void server.start();
  return {
    get status() {
      return server.status;
    },
    onDidChangeStatus: server.onDidChangeStatus,
    ready: () => server.settled(),
    restart: () => server.restart(),
    mcpRegistration,
    mcpServers: () => mcpServerSpecs(server),
  };
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}
