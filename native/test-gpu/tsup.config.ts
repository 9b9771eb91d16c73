// Bundles the GPU tests and the perf script into test-gpu/dist/ (ignored by git): one file per
// entry with every import inlined, so the GPU host (Node only, no npm install) runs them as is.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  entry: {
    'devices.test': 'test-gpu/devices.test.ts',
    'kernels.test': 'test-gpu/kernels.test.ts',
    'fault-isolation.test': 'test-gpu/fault-isolation.test.ts',
    'timing.test': 'test-gpu/timing.test.ts',
    'checks-fail.test': 'test-gpu/checks-fail.test.ts',
    'oob-child': 'test-gpu/oob-child.ts',
    'engine-kernels.test': 'test-gpu/engine-kernels.test.ts',
    perf: 'scripts/perf.ts',
    'engine-fidelity': 'scripts/engine-fidelity.ts',
    'measure-worker.test': 'test-gpu/measure-worker.test.ts',
    // @moe/tuner's GPU measure worker, bundled with this package's source for the GPU host.
    'measure-worker': '../packages/tuner/src/gpu/measure-worker-main.ts',
  },
  outDir: 'test-gpu/dist',
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  noExternal: [/.*/],
  splitting: false,
  sourcemap: false,
  dts: false,
  clean: true,
  // Keep `node:test` as written: without the prefix Node looks for an npm package named "test".
  removeNodeProtocol: false,
  esbuildOptions(options) {
    options.alias = { ...(options.alias ?? {}), '@moe/native': path.resolve(here, '../src/index.ts') };
  },
});
