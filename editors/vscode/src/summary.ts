// "Show Catalog Summary": what the server loaded. The server answers the workspace command
// `domain-lsp.catalogSummary` when it has it; without it the summary says what the client knows.
import * as vscode from 'vscode';
import type { ServerController } from './server';

export const SUMMARY_COMMAND = 'domain-lsp.catalogSummary';
const MAX_CONFIG_FILES = 20;

/**
 * The shape asked of the server's `domain-lsp.catalogSummary` command, whose one optional
 * argument is the URI of a document (the summary is of the project that governs it).
 */
export interface CatalogSummary {
  config?: string | null;
  dialect?: string;
  searchPath?: string[];
  schemas?: { name: string; tables: number }[];
  sources?: { path: string; kind?: string; tables: number; problems: number }[];
  tables?: number;
  functions?: number;
  /** Time the catalog took to load. */
  seconds?: number;
}

function serverCommands(controller: ServerController): string[] {
  return controller.languageClient?.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
}

export function renderSummary(summary: CatalogSummary): string {
  const lines = ['# domain-lsp catalog', ''];
  lines.push(`- Config: ${summary.config ? `\`${summary.config}\`` : 'none found (defaults)'}`);
  if (summary.dialect) lines.push(`- Dialect: ${summary.dialect}`);
  if (summary.searchPath?.length) lines.push(`- Search path: ${summary.searchPath.join(', ')}`);
  if (summary.tables !== undefined) lines.push(`- Tables and views: ${summary.tables}`);
  if (summary.functions !== undefined) lines.push(`- Functions declared: ${summary.functions}`);
  if (summary.seconds !== undefined) lines.push(`- Loaded in ${summary.seconds.toFixed(2)} s`);
  if (summary.schemas?.length) {
    lines.push('', '| Schema | Tables |', '| --- | ---: |');
    for (const schema of summary.schemas) lines.push(`| ${schema.name || '(default)'} | ${schema.tables} |`);
  }
  if (summary.sources?.length) {
    lines.push('', '| Source | Kind | Tables | Problems |', '| --- | --- | ---: | ---: |');
    for (const source of summary.sources) {
      lines.push(`| ${source.path} | ${source.kind ?? ''} | ${source.tables} | ${source.problems} |`);
    }
  }
  return lines.join('\n') + '\n';
}

/** What the client can tell without the server: server, interpreter and the config files it sees. */
async function clientSideSummary(controller: ServerController): Promise<string> {
  const status = controller.status;
  const info = controller.languageClient?.initializeResult?.serverInfo;
  const lines = ['# domain-lsp catalog', ''];
  lines.push(
    `> This server has no \`${SUMMARY_COMMAND}\` command yet, so this page shows what the editor knows.`,
    '> Unknown names are reported against the catalog the server loaded from the config below.',
    '',
  );
  lines.push(`- Server: ${info ? `${info.name} ${info.version ?? ''}`.trim() : status.state}`);
  if (status.interpreter) lines.push(`- Interpreter: \`${status.interpreter.command}\` (from ${status.interpreter.source})`);
  const configPath = vscode.workspace.getConfiguration('domainLsp').get<string>('configPath', '');
  if (configPath) lines.push(`- Config path setting: \`${configPath}\``);
  const configs = await vscode.workspace.findFiles('**/domain-lsp.toml', '**/node_modules/**', MAX_CONFIG_FILES);
  if (configs.length === 0) {
    lines.push('- No domain-lsp.toml in the workspace: the server uses defaults (and `[tool.domain-lsp]` in pyproject.toml if there is one).');
  }
  for (const uri of configs.sort((a, b) => a.fsPath.localeCompare(b.fsPath))) {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    lines.push('', `## ${vscode.workspace.asRelativePath(uri)}`, '', '```toml', text.trimEnd(), '```');
  }
  return lines.join('\n') + '\n';
}

export async function showCatalogSummary(controller: ServerController): Promise<void> {
  let content: string;
  if (controller.status.state === 'running' && serverCommands(controller).includes(SUMMARY_COMMAND)) {
    const active = vscode.window.activeTextEditor?.document.uri;
    const summary = await vscode.commands.executeCommand<CatalogSummary>(
      SUMMARY_COMMAND,
      ...(active?.scheme === 'file' ? [active.toString()] : []),
    );
    content = renderSummary(summary ?? {});
  } else {
    content = await clientSideSummary(controller);
  }
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content });
  await vscode.window.showTextDocument(document, { preview: true });
}
