// The settings the server receives at start-up (changing any of them restarts it).
import * as vscode from 'vscode';
import { expandVariables } from './interpreter';

export const SECTION = 'domainLsp';
/** Settings the server only reads in `initialize`: a change needs a restart. */
export const RESTART_SETTINGS = ['interpreter', 'configPath', 'severity'].map((name) => `${SECTION}.${name}`);

export type SeverityName = 'error' | 'warning' | 'information' | 'hint' | 'off';

export interface InitializationOptions {
  configPath?: string;
  /** Per rule code, on top of the config's [diagnostics] table. */
  severity?: Record<string, SeverityName>;
  /** false in an untrusted workspace: the server never runs the workspace's interpreter. */
  trusted?: boolean;
}

const SEVERITIES: ReadonlySet<string> = new Set(['error', 'warning', 'information', 'hint', 'off']);

export function initializationOptions(folder: vscode.WorkspaceFolder | undefined): InitializationOptions {
  const config = vscode.workspace.getConfiguration(SECTION, folder);
  const options: InitializationOptions = { trusted: vscode.workspace.isTrusted };
  const configPath = config.get<string>('configPath', '').trim();
  if (configPath) {
    options.configPath = expandVariables(configPath, folder);
  }
  const severity: Record<string, SeverityName> = {};
  for (const [code, value] of Object.entries(config.get<Record<string, unknown>>('severity', {}) ?? {})) {
    if (typeof value === 'string' && SEVERITIES.has(value.toLowerCase())) {
      severity[code] = value.toLowerCase() as SeverityName;
    }
  }
  if (Object.keys(severity).length > 0) {
    options.severity = severity;
  }
  return options;
}
