// The status-bar item: the server's state at a glance, a menu of the commands on click.
import * as vscode from 'vscode';
import type { ServerStatus } from './server';

export const MENU_COMMAND = 'domainLsp.statusMenu';

const LOOK: Record<ServerStatus['state'], { icon: string; label: string; error?: boolean }> = {
  starting: { icon: '$(sync~spin)', label: 'starting' },
  running: { icon: '$(check)', label: 'running' },
  stopped: { icon: '$(circle-slash)', label: 'stopped' },
  failed: { icon: '$(error)', label: 'failed to start', error: true },
  'no-python': { icon: '$(error)', label: 'Python not found', error: true },
  'no-package': { icon: '$(warning)', label: 'domain-lsp not installed', error: true },
};

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('domainLsp.status', vscode.StatusBarAlignment.Right, 100);

  constructor() {
    this.item.name = 'domain-lsp';
    this.item.command = MENU_COMMAND;
    this.item.show();
  }

  update(status: ServerStatus): void {
    const look = LOOK[status.state];
    this.item.text = `${look.icon} domain-lsp`;
    this.item.backgroundColor = look.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    const lines = [`**domain-lsp**: ${look.label}${status.version ? ` (${status.version})` : ''}`];
    if (status.interpreter) {
      lines.push(`Interpreter: \`${status.interpreter.command}\` (from ${status.interpreter.source})`);
    }
    if (status.detail) {
      lines.push(status.detail.split('\n').slice(-1)[0]);
    }
    this.item.tooltip = new vscode.MarkdownString(lines.join('\n\n'));
    this.item.accessibilityInformation = { label: `domain-lsp ${look.label}` };
  }

  dispose(): void {
    this.item.dispose();
  }
}

/** The commands a click on the status item offers. */
export async function showMenu(): Promise<void> {
  const entries: (vscode.QuickPickItem & { command: string })[] = [
    { label: '$(debug-restart) Restart Server', command: 'domainLsp.restartServer' },
    { label: '$(refresh) Reload Catalog', command: 'domainLsp.reloadCatalog' },
    { label: '$(database) Show Catalog Summary', command: 'domainLsp.showCatalogSummary' },
    { label: '$(output) Show Output', command: 'domainLsp.showOutput' },
    { label: '$(gear) Settings', command: 'domainLsp.openSettings' },
  ];
  const picked = await vscode.window.showQuickPick(entries, { title: 'domain-lsp' });
  if (picked) {
    await vscode.commands.executeCommand(picked.command);
  }
}
