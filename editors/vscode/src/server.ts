// Starts, stops and restarts the language client, and says which state it is in.
import * as vscode from 'vscode';
import {
  type DocumentSelector,
  type Executable,
  LanguageClient,
  type LanguageClientOptions,
  State,
} from 'vscode-languageclient/node';
import { type Interpreter, probe, resolveInterpreter } from './interpreter';
import { initializationOptions } from './settings';

export type ServerState = 'starting' | 'running' | 'stopped' | 'failed' | 'no-python' | 'no-package';

export interface ServerStatus {
  state: ServerState;
  interpreter?: Interpreter;
  /** domain_lsp.__version__ as the interpreter reported it. */
  version?: string;
  /** Why the server is not running (stderr of the probe, or the start error). */
  detail?: string;
}

/** Languages the server analyses; the non-builtin SQL ids come from popular SQL extensions. */
const SQL_LANGUAGES = ['sql', 'pgsql', 'postgres', 'mysql', 'plsql'];
const STOP_TIMEOUT_MS = 5_000;

const selector: DocumentSelector = [
  ...SQL_LANGUAGES.flatMap((language) => [
    { scheme: 'file', language },
    { scheme: 'untitled', language },
  ]),
  { scheme: 'file', language: 'python' },
];

export class ServerController implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private current: ServerStatus = { state: 'stopped' };
  private readonly changed = new vscode.EventEmitter<ServerStatus>();
  /** Every start/stop runs after the previous one finished, so two restarts never interleave. */
  private queue: Promise<ServerStatus> = Promise.resolve(this.current);

  readonly onDidChangeStatus = this.changed.event;

  constructor(readonly output: vscode.LogOutputChannel) {}

  get status(): ServerStatus {
    return this.current;
  }

  get languageClient(): LanguageClient | undefined {
    return this.client;
  }

  /** Resolves with the status once every start/stop asked for so far has finished. */
  settled(): Promise<ServerStatus> {
    return this.queue;
  }

  start(): Promise<ServerStatus> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<ServerStatus> {
    return this.enqueue(() => this.doStop());
  }

  restart(): Promise<ServerStatus> {
    return this.enqueue(async () => {
      await this.doStop();
      return this.doStart();
    });
  }

  dispose(): void {
    void this.stop();
    this.changed.dispose();
  }

  private enqueue(step: () => Promise<ServerStatus>): Promise<ServerStatus> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => this.current);
    return next;
  }

  private set(status: ServerStatus): ServerStatus {
    this.current = status;
    this.changed.fire(status);
    return status;
  }

  private async doStart(): Promise<ServerStatus> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const cwd = folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
    const interpreter = await resolveInterpreter(folder);
    this.set({ state: 'starting', interpreter });
    this.output.info(`interpreter: ${interpreter.command} (from ${interpreter.source})`);
    const probed = await probe(interpreter.command, cwd);
    if (probed.kind !== 'ok') {
      this.output.error(`cannot start the server with ${interpreter.command}: ${probed.detail}`);
      return this.set({ state: probed.kind, interpreter, detail: probed.detail });
    }
    const executable: Executable = {
      command: interpreter.command,
      args: ['-m', 'domain_lsp', 'serve'],
      options: { cwd, env: { ...process.env, PYTHONUNBUFFERED: '1' } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: selector,
      initializationOptions: initializationOptions(folder),
      // Documents already open when the client starts (editors VS Code restored, or the file whose
      // language activated us) reach the server once their tab exists; without this option the
      // client may hold such a didOpen back until some later request.
      textSynchronization: { delayOpenNotifications: true },
      outputChannel: this.output,
      traceOutputChannel: this.output,
    };
    // The id `domainLsp` makes the client read the `domainLsp.trace.server` setting itself.
    const client = new LanguageClient('domainLsp', 'domain-lsp', executable, clientOptions);
    this.client = client;
    client.onDidChangeState((event) => {
      // Only the client we are running may change the state (an old one may still be stopping).
      if (this.client !== client) {
        return;
      }
      if (event.newState === State.Starting) {
        this.set({ state: 'starting', interpreter });
      } else if (event.newState === State.Running) {
        this.set({ state: 'running', interpreter, version: probed.version });
      } else if (event.newState === State.Stopped && this.current.state === 'running') {
        this.set({ state: 'stopped', interpreter, detail: 'the server stopped' });
      }
    });
    try {
      await client.start();
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.output.error(`the server failed to start: ${detail}`);
      this.client = undefined;
      await client.dispose(STOP_TIMEOUT_MS).catch(() => undefined);
      return this.set({ state: 'failed', interpreter, detail });
    }
    return this.set({ state: 'running', interpreter, version: probed.version });
  }

  private async doStop(): Promise<ServerStatus> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.dispose(STOP_TIMEOUT_MS);
      } catch (error) {
        this.output.warn(`stopping the server: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return this.set({ ...this.current, state: 'stopped', detail: undefined });
  }
}
