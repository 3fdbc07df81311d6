// "Show Catalog Summary": what the server loaded. The server answers the workspace command
// `domain-lsp.catalogSummary` when it has it; without it the summary says what the client knows.
import * as vscode from 'vscode';
import type { ServerController } from './server';

export const SUMMARY_COMMAND = 'domain-lsp.catalogSummary';
const MAX_CONFIG_FILES = 20;

/**
 * The shape asked of the server's `domain-lsp.catalogSummary` command (docs/server.md), whose one
 * optional argument is the URI of a document (the summary is of the project that governs it).
 */
export interface CatalogSummary {
  config?: string | null;
  dialect?: string;
  searchPath?: string[];
  schemas?: { name: string; tables: number }[];
  sources?: { path: string; kind?: string; tables: number; problems: number; messages?: string[] }[];
  /** Tables and views together. */
  tables?: number;
  views?: number;
  columns?: number;
  functions?: number;
  /** Time the catalog took to load. */
  seconds?: number;
  fromCache?: boolean;
  stale?: boolean;
}

function serverCommands(controller: ServerController): string[] {
  return controller.languageClient?.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The one-line size of a catalog, worded as Neovim's :DomainLsp catalog and :checkhealth word it:
 * `8 tables, 1 view, 44 columns, 0 functions in 3 schemas, from 3 sources`.
 */
export function catalogCounts(summary: CatalogSummary): string {
  const views = summary.views ?? 0;
  return (
    `${count((summary.tables ?? 0) - views, 'table')}, ${count(views, 'view')}, ${count(summary.columns ?? 0, 'column')}, ` +
    `${count(summary.functions ?? 0, 'function')} in ${count(summary.schemas?.length ?? 0, 'schema')}, ` +
    `from ${count(summary.sources?.length ?? 0, 'source')}`
  );
}

export function renderSummary(summary: CatalogSummary): string {
  const lines = ['# domain-lsp catalog', ''];
  lines.push(`- Config: ${summary.config ? `\`${summary.config}\`` : 'none found (defaults)'}`);
  if (summary.dialect) lines.push(`- Dialect: ${summary.dialect}`);
  if (summary.searchPath?.length) lines.push(`- Search path: ${summary.searchPath.join(', ')}`);
  lines.push(`- Catalog: ${catalogCounts(summary)}`);
  if (summary.seconds !== undefined) {
    lines.push(`- Loaded in ${summary.seconds.toFixed(2)} s${summary.fromCache ? ' (from the cache)' : ''}`);
  }
  if (summary.stale) lines.push('- **Stale**: run *domain-lsp: Reload Catalog*');
  if (summary.schemas?.length) {
    lines.push('', '| Schema | Tables and views |', '| --- | ---: |');
    for (const schema of summary.schemas) lines.push(`| ${schema.name || '(default)'} | ${schema.tables} |`);
  }
  if (summary.sources?.length) {
    lines.push('', '| Source | Kind | Tables and views | Problems |', '| --- | --- | ---: | ---: |');
    for (const source of summary.sources) {
      lines.push(`| ${source.path} | ${source.kind ?? ''} | ${source.tables} | ${source.problems} |`);
    }
    for (const source of summary.sources) {
      for (const message of source.messages ?? []) lines.push('', `- ${source.path}: ${message}`);
    }
  }
  return lines.join('\n') + '\n';
}

export const SUMMARY_SCHEME = 'domain-lsp';
export const SUMMARY_URI = vscode.Uri.from({ scheme: SUMMARY_SCHEME, path: '/catalog-summary.md' });

/** The text of the summary document: a virtual document, so VS Code opens it read-only. */
export class SummaryDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private content = '';
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(): string {
    return this.content;
  }

  set(content: string): void {
    this.content = content;
    this.changed.fire(SUMMARY_URI);
  }

  dispose(): void {
    this.changed.dispose();
  }
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

export async function showCatalogSummary(controller: ServerController, documents: SummaryDocuments): Promise<void> {
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
  documents.set(content);
  try {
    // The built-in Markdown extension renders it; a preview has nothing to edit or save.
    await vscode.commands.executeCommand('markdown.showPreview', SUMMARY_URI);
  } catch {
    // Without it (disabled by the user), the source: read-only too, being a virtual document.
    const document = await vscode.workspace.openTextDocument(SUMMARY_URI);
    await vscode.window.showTextDocument(document, { preview: true });
  }
}
