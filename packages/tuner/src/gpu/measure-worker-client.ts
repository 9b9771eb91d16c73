// The host's end of one GPU measure worker (measure-protocol.ts): spawns the process, reads its
// JSON lines, matches answers to requests by id, and turns a death (exit, signal) or a request
// past its time limit (a hang: the process is then killed) into a WorkerDied rejection of every
// request still open, so the pool can restart the worker and skip what caused it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { CheckMessage, CompileMessage, HostMessage, MeasureMessage, SetupMessage, WorkerHelloMessage, WorkerMessage } from './measure-protocol';

/** A request without its id (the client numbers them). */
export type WorkerRequest = Omit<SetupMessage, 'id'> | Omit<CompileMessage, 'id'> | Omit<MeasureMessage, 'id'> | Omit<CheckMessage, 'id'>;

/** How to start a worker: `command args... --device <index>` (the index is appended). */
export interface WorkerCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** Added to the host's environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Time limits per request type, milliseconds. A request past its limit means a hung worker. */
export interface WorkerTimeouts {
  readonly hello: number;
  readonly setup: number;
  readonly compile: number;
  readonly measure: number;
  readonly check: number;
}

/** Generous limits for a GPU: setup starts a compile pool (and may import the engine); a cold compile takes seconds. */
export const DEFAULT_TIMEOUTS: WorkerTimeouts = { hello: 120_000, setup: 600_000, compile: 600_000, measure: 120_000, check: 300_000 };

/** Why a worker's open requests failed: it exited, or a request ran past its limit (then it was killed). */
export class WorkerDied extends Error {
  constructor(
    readonly reason: 'exit' | 'timeout',
    message: string,
  ) {
    super(message);
    this.name = 'WorkerDied';
  }
}

interface Pending {
  resolve: (m: WorkerMessage) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  what: string;
}

let nextId = 0;

export class MeasureWorkerClient {
  private readonly pending = new Map<string, Pending>();
  private stderrTail = '';
  private dead: WorkerDied | null = null;
  /** close() was called: no request is sent any more. */
  private ending = false;
  private readonly exited: Promise<void>;
  private log: WriteStream | null = null;

  private constructor(
    readonly index: number,
    private readonly child: ChildProcess,
    readonly hello: WorkerHelloMessage,
    private readonly timeouts: WorkerTimeouts,
    lines: AsyncIterable<string> & { on: (e: 'line', f: (l: string) => void) => void },
    exited: Promise<void>,
    logFile: string | null,
  ) {
    this.exited = exited;
    if (logFile) this.log = createWriteStream(logFile, { flags: 'a' });
    lines.on('line', (line) => this.onLine(line));
    child.stderr?.on('data', (d: Buffer) => this.onStderr(d));
    // A write to a worker that is exiting (EPIPE) is its death, answered through onExit, not a crash of this process.
    child.stdin?.on('error', (e: Error) => this.onExit(null, null, `stdin: ${e.message}`));
  }

  /** Starts a worker for GPU `index` and waits for its hello (a hello without a device is returned, not thrown). */
  static start(command: WorkerCommand, index: number, timeouts: WorkerTimeouts = DEFAULT_TIMEOUTS, logFile: string | null = null): Promise<MeasureWorkerClient> {
    const child = spawn(command.command, [...command.args, '--device', String(index)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...command.env, MOE_GPU_INDEX: String(index) },
      // Its own process group: a Ctrl-C at the terminal reaches moe, which stops the run and
      // shuts the workers down; it must not kill a worker (and its compile processes) mid-
      // request, which would read as a crash of the config being measured.
      detached: true,
    });
    const lines = createInterface({ input: child.stdout! });
    let stderr = '';
    const onErr = (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-2000);
    };
    child.stderr!.on('data', onErr);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new WorkerDied('exit', `GPU ${index}: the measure worker ${why}${stderr.trim() ? ` (stderr: ${lastLine(stderr)})` : ''}`));
      };
      const timer = setTimeout(() => fail(`sent no hello within ${Math.round(timeouts.hello / 1000)} s`), timeouts.hello);
      const onError = (e: Error) => fail(`could not be started: ${e.message}`);
      const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`exited before its hello (${signal ?? `code ${code}`})`);
      child.once('error', onError);
      child.once('exit', onEarlyExit);
      lines.once('line', (line) => {
        let hello: WorkerHelloMessage;
        try {
          hello = JSON.parse(line) as WorkerHelloMessage;
        } catch {
          return fail(`printed something that is not the protocol: ${line.slice(0, 120)}`);
        }
        if (hello.type !== 'hello') return fail(`started with ${JSON.stringify(hello.type)}, not hello`);
        clearTimeout(timer);
        child.off('exit', onEarlyExit);
        child.off('error', onError);
        child.stderr!.off('data', onErr);
        const client = new MeasureWorkerClient(index, child, hello, timeouts, lines, exited, logFile);
        client.stderrTail = stderr;
        child.once('exit', (code, signal) => client.onExit(code, signal));
        child.once('error', (e) => client.onExit(null, null, e.message));
        resolve(client);
      });
    });
  }

  get alive(): boolean {
    return this.dead === null;
  }

  /** Resolves when the process has exited. */
  get closed(): Promise<void> {
    return this.exited;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends a request and waits for the answer with its id (rejects with WorkerDied on death or time-out). */
  request<A extends WorkerMessage>(msg: WorkerRequest, timeoutMs?: number): Promise<A> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.ending) return Promise.reject(new WorkerDied('exit', `GPU ${this.index}: the measure worker is shutting down`));
    const id = `r${++nextId}`;
    const full = { ...(msg as object), id } as HostMessage;
    const limit = timeoutMs ?? this.timeouts[msg.type];
    return new Promise<A>((resolve, reject) => {
      const what = describe(full);
      const timer = setTimeout(() => this.onTimeout(id, what, limit), limit);
      this.pending.set(id, { resolve: resolve as (m: WorkerMessage) => void, reject, timer, what });
      this.child.stdin!.write(`${JSON.stringify(full)}\n`, (err) => {
        if (err) this.onExit(null, null, `stdin: ${err.message}`);
      });
    });
  }

  /** Asks the worker to finish (shutdown), and kills it if it has not exited after `graceMs`. */
  async close(graceMs = 5000): Promise<void> {
    if (this.dead) return;
    if (this.ending) return this.exited;
    this.ending = true;
    this.child.stdin!.write(`${JSON.stringify({ type: 'shutdown' })}\n`);
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    this.log?.end();
  }

  /** Kills the worker now (a hang, or the run is over). */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  private onLine(line: string): void {
    let msg: WorkerMessage;
    try {
      msg = JSON.parse(line) as WorkerMessage;
    } catch {
      this.log?.write(`stdout (not protocol): ${line}\n`);
      return;
    }
    const id = (msg as { id?: string }).id;
    const p = id === undefined ? undefined : this.pending.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(id!);
    p.resolve(msg);
  }

  private onStderr(d: Buffer): void {
    const text = d.toString('utf8');
    this.stderrTail = (this.stderrTail + text).slice(-2000);
    this.log?.write(text);
  }

  private onTimeout(id: string, what: string, limit: number): void {
    if (!this.pending.has(id) || this.dead) return;
    this.die(new WorkerDied('timeout', `GPU ${this.index}: no answer to ${what} within ${Math.round(limit / 1000)} s (hung); the worker was killed`));
    this.child.kill('SIGKILL');
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, error?: string): void {
    const tail = lastLine(this.stderrTail);
    this.die(new WorkerDied('exit', `GPU ${this.index}: the measure worker ${error ?? `exited (${signal ?? `code ${code}`})`}${tail ? `: ${tail}` : ''}`));
  }

  private die(err: WorkerDied): void {
    if (this.dead) return;
    this.dead = err;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(err);
    }
    this.log?.end();
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.slice(0, 300) ?? '';
}

function describe(m: HostMessage): string {
  if (m.type === 'compile' || m.type === 'measure' || m.type === 'check') {
    const c = m.config;
    return `${m.type} ${m.gemm} ${c.BLOCK_SIZE_M}/${c.BLOCK_SIZE_N}/${c.BLOCK_SIZE_K}/${c.GROUP_SIZE_M}/${c.num_warps}/${c.num_stages} at M=${m.M}`;
  }
  return m.type;
}
