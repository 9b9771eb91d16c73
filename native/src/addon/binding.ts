// The raw interface of moe_native.node and its loader. Everything here trusts its arguments: the
// typed classes validate them first.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AddonLoadAttempt, NativeAddonUnavailableError } from './errors/native-addon-unavailable-error';
import type { Backend, BackendProbe, DeviceInfo, FunctionAttributes } from './types';

/** The addon's ABI between C++ and this file; bumped when either side changes shape. */
export const ADDON_ABI_VERSION = 4;

export interface NativeProbe {
  backends: BackendProbe[];
  devices: Omit<DeviceInfo, 'index'>[];
}

export interface NativeBuffer {
  readonly ptr: bigint;
  readonly bytes: number;
  readonly freed: boolean;
  upload(data: Uint8Array, offsetBytes: number): void;
  /** Fills `out` with the out.byteLength bytes at offsetBytes and resolves to it. */
  download(offsetBytes: number, out: Uint8Array): Promise<Uint8Array>;
  fill(value: number, elementBytes: number): void;
  copyFrom(src: NativeBuffer, srcOffsetBytes: number, dstOffsetBytes: number, bytes: number): void;
  free(): void;
}

export interface NativeStream {
  synchronize(): Promise<void>;
  beginCapture(): void;
  endCapture(): NativeGraph;
  destroy(): void;
}

export interface NativeEvent {
  record(stream: NativeStream | null): void;
  synchronize(): Promise<void>;
  query(): boolean;
  elapsedMsSince(start: NativeEvent): number;
  destroy(): void;
}

export interface NativeGraph {
  launch(stream: NativeStream | null): void;
  replayTimes(
    stream: NativeStream | null,
    warmup: number,
    repeats: number,
    flush: NativeBuffer | null,
    flushBytes: number,
  ): Promise<Float64Array>;
  destroy(): void;
}

export interface NativeFunction {
  readonly name: string;
  attributes(): FunctionAttributes;
  setMaxDynamicSharedMemory(bytes: number): void;
  preferSharedMemory(): boolean;
  launch(
    gx: number,
    gy: number,
    gz: number,
    bx: number,
    by: number,
    bz: number,
    sharedBytes: number,
    stream: NativeStream | null,
    params: Uint8Array,
  ): void;
}

export interface NativeModule {
  getFunction(name: string): NativeFunction;
  unload(): void;
}

export interface NativeContext {
  readonly dead: boolean;
  readonly deadReason: string | null;
  readonly closed: boolean;
  alloc(bytes: number): NativeBuffer;
  memInfo(): { freeBytes: number; totalBytes: number };
  loadModule(image: Uint8Array): NativeModule;
  createStream(): NativeStream;
  createEvent(timing: boolean): NativeEvent;
  synchronize(): Promise<void>;
  close(): void;
}

export interface NativeAddon {
  probe(): NativeProbe;
  Context: { open(ordinal: number, backend: Backend): NativeContext };
  cudaApiVersion: number;
  abiVersion: number;
}

const BUILD_FIX =
  'build it with `npm run build:addon -w @moe/native` (or `npm rebuild @moe/native` where it is installed); that needs python3, make and a C++17 compiler, no CUDA';

/** The folder of the @moe/native package this code runs from (source, dist or node_modules). */
function packageRoots(): string[] {
  const roots: string[] = [];
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === '@moe/native') {
          roots.push(dir);
          break;
        }
      } catch {
        // an unreadable package.json on the way up: keep looking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  try {
    // Bundled into another package: find the installed @moe/native.
    const manifest = createRequire(import.meta.url).resolve('@moe/native/package.json');
    const dir = path.dirname(manifest);
    if (!roots.includes(dir)) roots.push(dir);
  } catch {
    // not installed as a dependency
  }
  return roots;
}

/** Where the addon is looked for, in order. MOE_NATIVE_ADDON names a file explicitly. */
export function addonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const candidates: string[] = [];
  if (env.MOE_NATIVE_ADDON) candidates.push(path.resolve(env.MOE_NATIVE_ADDON));
  for (const root of packageRoots()) {
    candidates.push(path.join(root, 'build', 'Release', 'moe_native.node'));
    candidates.push(path.join(root, 'build', 'Debug', 'moe_native.node'));
  }
  return candidates;
}

/** Loads the first candidate that works; throws NativeAddonUnavailableError listing each failure. */
export function loadAddonFrom(candidates: readonly string[]): NativeAddon {
  const require = createRequire(import.meta.url);
  const attempts: AddonLoadAttempt[] = [];
  for (const file of candidates) {
    if (!existsSync(file)) {
      attempts.push({ path: file, problem: 'not found', fix: BUILD_FIX });
      continue;
    }
    let addon: NativeAddon;
    try {
      addon = require(file) as NativeAddon;
    } catch (err) {
      const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
      attempts.push({
        path: file,
        problem: `could not be loaded (${message})`,
        fix: `it was built for another platform or is damaged: delete ${path.dirname(file)} and ${BUILD_FIX}`,
      });
      continue;
    }
    if (addon.abiVersion !== ADDON_ABI_VERSION) {
      attempts.push({
        path: file,
        problem: `it is a build of other sources (ABI ${String(addon.abiVersion)}, this code needs ${ADDON_ABI_VERSION})`,
        fix: BUILD_FIX,
      });
      continue;
    }
    return addon;
  }
  if (attempts.length === 0) {
    attempts.push({ path: '(no candidate)', problem: 'no @moe/native package folder was found', fix: 'set MOE_NATIVE_ADDON to the path of moe_native.node' });
  }
  throw new NativeAddonUnavailableError(attempts);
}

let cached: { addon?: NativeAddon; error?: unknown } | undefined;

/** The addon of this process (loaded once). Throws NativeAddonUnavailableError when no build loads. */
export function loadAddon(): NativeAddon {
  if (!cached) {
    try {
      cached = { addon: loadAddonFrom(addonCandidates()) };
    } catch (error) {
      cached = { error };
    }
  }
  if (cached.error !== undefined) throw cached.error;
  return cached.addon as NativeAddon;
}
