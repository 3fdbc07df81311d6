// The MCP server for agent mode: `<python> -m domain_lsp mcp --root <folder>`, one per workspace
// folder, registered with VS Code's MCP API so that agent mode finds
// domain-lsp's tools with no setup. The interpreter is the one the language server runs with, so
// both answer from the same install; trust follows the workspace's, as the language server's does.
import * as vscode from 'vscode';
import type { ServerController } from './server';

export const PROVIDER_ID = 'domainLsp';

/** What the extension registers for one folder; plain data, also returned to the tests. */
export interface McpServerSpec {
  readonly label: string;
  readonly command: string;
  readonly args: string[];
  readonly cwd: string;
}

/** 'registered' with VS Code, or 'unsupported': this VS Code has no MCP server API. */
export type McpRegistration = 'registered' | 'unsupported';

// The MCP API arrived after the VS Code version the extension supports (^1.91): typed here, and
// looked up at run time, so older editors keep everything else. VS Code 1.100 has it under the
// contribution point `modelContextServerCollections`, 1.101 and later `mcpServerDefinitionProviders`:
// package.json declares both.
interface McpStdioServerDefinitionConstructor {
  new (label: string, command: string, args?: string[], env?: Record<string, string>, version?: string): {
    cwd?: vscode.Uri;
  };
}
interface McpApi {
  registerMcpServerDefinitionProvider(
    id: string,
    provider: {
      onDidChangeMcpServerDefinitions: vscode.Event<void>;
      provideMcpServerDefinitions(): unknown[];
    },
  ): vscode.Disposable;
}

export function mcpServerSpecs(server: ServerController): McpServerSpec[] {
  const command = server.status.interpreter?.command;
  if (!command) {
    return [];
  }
  const trust = vscode.workspace.isTrusted ? '--trust' : '--no-trust';
  return (vscode.workspace.workspaceFolders ?? [])
    .filter((folder) => folder.uri.scheme === 'file')
    .map((folder) => ({
      label: `domain-lsp: ${folder.name}`,
      command,
      args: ['-m', 'domain_lsp', 'mcp', '--root', folder.uri.fsPath, trust],
      cwd: folder.uri.fsPath,
    }));
}

export function registerMcpServers(
  server: ServerController,
  output: vscode.LogOutputChannel,
  subscriptions: vscode.Disposable[],
): McpRegistration {
  const lm = (vscode as unknown as { lm?: Partial<McpApi> }).lm;
  const Definition = (vscode as unknown as { McpStdioServerDefinition?: McpStdioServerDefinitionConstructor })
    .McpStdioServerDefinition;
  if (typeof lm?.registerMcpServerDefinitionProvider !== 'function' || Definition === undefined) {
    output.info('this VS Code has no MCP server API (1.101 or later has it): see docs/mcp.md for .vscode/mcp.json');
    return 'unsupported';
  }
  const changed = new vscode.EventEmitter<void>();
  let registration: vscode.Disposable;
  try {
    registration = lm.registerMcpServerDefinitionProvider(PROVIDER_ID, {
      onDidChangeMcpServerDefinitions: changed.event,
      provideMcpServerDefinitions: () =>
        mcpServerSpecs(server).map((spec) => {
          const definition = new Definition(spec.label, spec.command, spec.args, { PYTHONUNBUFFERED: '1' });
          definition.cwd = vscode.Uri.file(spec.cwd);
          return definition;
        }),
    });
  } catch (error) {
    // The API changed shape between VS Code releases: agent mode loses the server, nothing else.
    changed.dispose();
    output.warn(`could not register the MCP server with VS Code: ${error instanceof Error ? error.message : String(error)}`);
    return 'unsupported';
  }
  let last = '';
  subscriptions.push(
    registration,
    changed,
    // The definitions name the server's interpreter: a restart with another one changes them.
    server.onDidChangeStatus(() => {
      const now = JSON.stringify(mcpServerSpecs(server));
      if (now !== last) {
        last = now;
        changed.fire();
      }
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => changed.fire()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => changed.fire()),
  );
  return 'registered';
}
