// Which Python runs the server, and whether that Python can import domain_lsp.
import { execFile } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

export type InterpreterSource = 'setting' | 'python-extension' | 'default';

export interface Interpreter {
  command: string;
  source: InterpreterSource;
}

export type Probe =
  | { kind: 'ok'; version: string }
  | { kind: 'no-python'; detail: string }
  | { kind: 'no-package'; detail: string };

/** The subset of the ms-python.python extension API this extension uses. */
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { id: string; path: string };
    resolveEnvironment(
      environment: { id: string; path: string } | string,
    ): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
  };
}

const PYTHON_EXTENSION = 'ms-python.python';
const PROBE_TIMEOUT_MS = 20_000;

export function expandVariables(value: string, folder: vscode.WorkspaceFolder | undefined): string {
  let result = value.trim();
  if (result === '~' || result.startsWith('~/')) {
    result = path.join(os.homedir(), result.slice(1));
  }
  if (folder) {
    result = result.replace(/\$\{workspaceFolder\}/g, folder.uri.fsPath);
  }
  return result;
}

async function pythonExtensionApi(): Promise<PythonExtensionApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION);
  if (!extension) {
    return undefined;
  }
  try {
    return extension.isActive ? extension.exports : await extension.activate();
  } catch {
    return undefined; // a broken Python extension must not keep domain-lsp from starting
  }
}

/** The setting first, then the Python extension's active environment, then python3. */
export async function resolveInterpreter(folder: vscode.WorkspaceFolder | undefined): Promise<Interpreter> {
  const configured = vscode.workspace.getConfiguration('domainLsp', folder).get<string>('interpreter', '');
  if (configured.trim()) {
    return { command: expandVariables(configured, folder), source: 'setting' };
  }
  // In an untrusted workspace the active environment may be the workspace's own venv: never run it.
  if (vscode.workspace.isTrusted) {
    const environments = (await pythonExtensionApi())?.environments;
    if (environments) {
      try {
        const active = environments.getActiveEnvironmentPath(folder?.uri);
        const resolved = await environments.resolveEnvironment(active);
        const executable = resolved?.executable.uri?.fsPath;
        if (executable) {
          return { command: executable, source: 'python-extension' };
        }
      } catch {
        // fall through to python3
      }
    }
  }
  return { command: process.platform === 'win32' ? 'python' : 'python3', source: 'default' };
}

/** Fires when the Python extension's active environment changes (if that extension is installed). */
export async function onPythonEnvironmentChange(listener: () => void): Promise<vscode.Disposable | undefined> {
  const environments = (await pythonExtensionApi())?.environments;
  return environments?.onDidChangeActiveEnvironmentPath(listener);
}

/** Runs the interpreter once to tell "no Python" apart from "no domain_lsp package". */
export function probe(command: string, cwd: string | undefined): Promise<Probe> {
  const script = 'import sys, domain_lsp; sys.stdout.write(domain_lsp.__version__)';
  return new Promise((resolve) => {
    execFile(command, ['-c', script], { cwd, timeout: PROBE_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (!error) {
        resolve({ kind: 'ok', version: stdout.trim() });
        return;
      }
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES' || typeof code === 'string') {
        resolve({ kind: 'no-python', detail: error.message });
      } else if (/ModuleNotFoundError|ImportError/.test(stderr)) {
        // domain_lsp itself or one of its dependencies is missing: (re)installing fixes both.
        resolve({ kind: 'no-package', detail: stderr.trim() });
      } else if (error.killed) {
        resolve({ kind: 'no-python', detail: `${command} did not answer within ${PROBE_TIMEOUT_MS / 1000} s` });
      } else {
        // It ran but is not a usable Python (or domain_lsp fails to import): report it as it is.
        resolve({ kind: 'no-python', detail: (stderr || error.message).trim() });
      }
    });
  });
}
