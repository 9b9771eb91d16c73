import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseEngineInfo } from '../engine/engine-info';
import type { WorkerHello } from './types';

/** The version of PROTOCOL.md this host speaks (moe_kit_kernels.PROTOCOL_VERSION on the worker side). */
export const PROTOCOL_VERSION = 1;

/** What the worker said in answer to one request (PROTOCOL.md "result"), as raw JSON. */
export type RawResult = Record<string, unknown> & { type: 'result'; id: string; ok: boolean };

/** How a request ended when the worker did not answer it. */
export type WorkerLoss =
  | { kind: 'crash'; message: string }
  | { kind: 'timeout'; message: string };

export interface WorkerSpawnOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  helloTimeoutMs: number;
}

const STDERR_TAIL = 4000;

/** The reasons a worker could not start, for the pool to turn into typed errors. */
export type StartFailure =
  | { kind: 'spawn'; code: string | undefined; message: string }
  | { kind: 'exit'; message: string; stderr: string }
  | { kind: 'protocol'; message: string; stderr: string };

/**
 * One persistent compile worker: a child process speaking JSON lines (PROTOCOL.md). It runs
 * one request at a time; the pool never sends a second before the first is answered.
 */
export class WorkerProcess {
  readonly child: ChildProcess;
  hello: WorkerHello | null = null;
  private stderrTail = '';
  private exited = false;
  private exitDescription = '';
  private pending:
    | { id: string; resolve: (r: RawResult) => void; reject: (loss: WorkerLoss) => void; timer: NodeJS.Timeout }
    | null = null;
  private readonly ready: Promise<WorkerHello>;
  private readonly exitPromise: Promise<void>;

  constructor(options: WorkerSpawnOptions) {
    this.child = spawn(options.command, options.args, { env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin?.on('error', () => {
      // EPIPE after a crash: the exit handler reports it.
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL);
    });
    this.exitPromise = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        this.exitDescription = signal ? `killed by ${signal}` : `exited with status ${code}`;
        resolve();
      });
      this.child.once('error', () => {
        this.exited = true;
        resolve();
      });
    });

    this.ready = new Promise<WorkerHello>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          fn();
        }
      };
      const timer = setTimeout(() => {
        settle(() =>
          reject({
            kind: 'protocol',
            message: `no hello within ${options.helloTimeoutMs} ms`,
            stderr: this.stderrTail,
          } satisfies StartFailure),
        );
        this.kill();
      }, options.helloTimeoutMs);
      this.child.once('error', (error: NodeJS.ErrnoException) => {
        settle(() => reject({ kind: 'spawn', code: error.code, message: error.message } satisfies StartFailure));
      });
      void this.exitPromise.then(() => {
        // Let the last stderr chunks arrive before reporting.
        setTimeout(() => {
          settle(() =>
            reject({ kind: 'exit', message: this.exitDescription || 'exited', stderr: this.stderrTail } satisfies StartFailure),
          );
          this.failPending({ kind: 'crash', message: this.crashMessage() });
        }, 20);
      });

      const lines = createInterface({ input: this.child.stdout! });
      lines.on('line', (line) => {
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(line) as Record<string, unknown>;
        } catch {
          if (!this.hello) {
            settle(() =>
              reject({ kind: 'protocol', message: `not a JSON line: ${line.slice(0, 200)}`, stderr: this.stderrTail } satisfies StartFailure),
            );
            this.kill();
          }
          return;
        }
        if (!this.hello) {
          if (msg.type !== 'hello') {
            settle(() =>
              reject({ kind: 'protocol', message: `first line is not a hello: ${line.slice(0, 200)}`, stderr: this.stderrTail } satisfies StartFailure),
            );
            this.kill();
            return;
          }
          this.hello = {
            protocol: Number(msg.protocol),
            python: String(msg.python ?? ''),
            pythonExecutable: String(msg.python_executable ?? ''),
            triton: typeof msg.triton === 'string' ? msg.triton : null,
            error: typeof msg.error === 'string' ? msg.error : null,
            pid: Number(msg.pid),
            kernels: Array.isArray(msg.kernels) ? msg.kernels.map(String) : [],
            engine: parseEngineInfo(msg.engine),
            engineError: typeof msg.engine_error === 'string' ? msg.engine_error : null,
          };
          settle(() => resolve(this.hello!));
          return;
        }
        if (msg.type === 'result' && this.pending && msg.id === this.pending.id) {
          const { resolve: done, timer: t } = this.pending;
          this.pending = null;
          clearTimeout(t);
          done(msg as RawResult);
        }
      });
    });
    // Keep an unobserved start failure from being an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /** Resolves with the hello, or rejects with a StartFailure. */
  started(): Promise<WorkerHello> {
    return this.ready;
  }

  get alive(): boolean {
    return !this.exited;
  }

  get busy(): boolean {
    return this.pending !== null;
  }

  stderr(): string {
    return this.stderrTail;
  }

  private crashMessage(): string {
    const tail = this.stderrTail.trim();
    return `compile worker (pid ${this.child.pid}) ${this.exitDescription || 'died'} during the request${tail ? `; its stderr ends with:\n${tail}` : ''}`;
  }

  private failPending(loss: WorkerLoss): void {
    if (!this.pending) return;
    const { reject, timer } = this.pending;
    this.pending = null;
    clearTimeout(timer);
    reject(loss);
  }

  /** Sends one request; resolves with the worker's result or rejects with a WorkerLoss. */
  request(id: string, message: Record<string, unknown>, timeoutMs: number, type = 'compile'): Promise<RawResult> {
    if (this.pending) throw new Error('WorkerProcess.request: a request is already in flight');
    return new Promise<RawResult>((resolve, reject) => {
      if (this.exited) {
        reject({ kind: 'crash', message: this.crashMessage() } satisfies WorkerLoss);
        return;
      }
      const timer = setTimeout(() => {
        this.failPending({ kind: 'timeout', message: `compile did not finish within ${timeoutMs} ms; the worker (pid ${this.child.pid}) was killed` });
        this.kill();
      }, timeoutMs);
      this.pending = { id, resolve, reject, timer };
      this.child.stdin?.write(`${JSON.stringify({ ...message, type, id })}\n`);
    });
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  /** Asks the worker to exit; kills it when it has not exited after graceMs. */
  async shutdown(graceMs = 5000): Promise<void> {
    if (this.exited) return;
    try {
      this.child.stdin?.write(`${JSON.stringify({ type: 'shutdown' })}\n`);
      this.child.stdin?.end();
    } catch {
      // already gone
    }
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
  }
}
