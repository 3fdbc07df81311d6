// When the interpreter or the package is missing: say so once, with both fixes
// (point domain-lsp at another Python, or install domain-lsp into this one).
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import type { ServerStatus } from './server';

const PACKAGE = 'domain-lsp';
const SET_INTERPRETER = 'Choose Interpreter';
const SELECT_ENVIRONMENT = 'Select Python Environment';
const INSTALL = `Install ${PACKAGE}`;
const SHOW_OUTPUT = 'Show Output';

export function openInterpreterSetting(): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openSettings', 'domainLsp.interpreter');
}

/** Shows the notification; resolves once the user picked an action (or dismissed it). */
export async function explainMissing(
  status: ServerStatus,
  output: vscode.LogOutputChannel,
  restart: () => Promise<unknown>,
): Promise<void> {
  const python = status.interpreter?.command ?? 'python3';
  const hasPythonExtension = vscode.extensions.getExtension('ms-python.python') !== undefined;
  const actions = [SET_INTERPRETER, ...(hasPythonExtension ? [SELECT_ENVIRONMENT] : [])];
  let message: string;
  if (status.state === 'no-python') {
    message =
      `domain-lsp: cannot run the Python interpreter "${python}". ` +
      `Set "domainLsp.interpreter" to a Python 3.10+ that has domain-lsp, or install Python and run \`pip install ${PACKAGE}\`.`;
  } else {
    message =
      `domain-lsp: the ${PACKAGE} package is not installed in "${python}". ` +
      `Install it there (pip install ${PACKAGE}), or set "domainLsp.interpreter" to a Python that has it.`;
    actions.unshift(INSTALL);
  }
  actions.push(SHOW_OUTPUT);
  const choice = await vscode.window.showErrorMessage(message, ...actions);
  if (choice === INSTALL) {
    if (await install(python, output)) {
      await restart();
    }
  } else if (choice === SET_INTERPRETER) {
    await openInterpreterSetting();
  } else if (choice === SELECT_ENVIRONMENT) {
    await vscode.commands.executeCommand('python.setInterpreter');
  } else if (choice === SHOW_OUTPUT) {
    output.show();
  }
}

/** `python -m pip install domain-lsp`, with progress, cancellable, logged to the output channel. */
export function install(python: string, output: vscode.LogOutputChannel): Thenable<boolean> {
  const args = ['-m', 'pip', 'install', '--disable-pip-version-check', PACKAGE];
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Installing ${PACKAGE} into ${python}`, cancellable: true },
    (_progress, token) =>
      new Promise<boolean>((resolve) => {
        output.info(`running: ${python} ${args.join(' ')}`);
        const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => output.info(chunk.toString().trimEnd()));
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          output.warn(chunk.toString().trimEnd());
        });
        token.onCancellationRequested(() => child.kill());
        child.on('error', (error) => {
          void vscode.window.showErrorMessage(`domain-lsp: could not run ${python}: ${error.message}`);
          resolve(false);
        });
        child.on('close', (code) => {
          if (code === 0) {
            void vscode.window.showInformationMessage(`domain-lsp: installed ${PACKAGE} into ${python}.`);
            resolve(true);
            return;
          }
          // Debian/Ubuntu's system Python refuses pip installs (PEP 668): a virtual environment is the fix.
          const hint = /externally-managed-environment/.test(stderr)
            ? ' This Python is managed by the system: create a virtual environment (python3 -m venv .venv), install domain-lsp there and choose it as the interpreter.'
            : ' See the domain-lsp output for pip\'s messages.';
          void vscode.window.showErrorMessage(`domain-lsp: pip install failed (exit ${code ?? 'killed'}).${hint}`);
          resolve(false);
        });
      }),
  );
}
