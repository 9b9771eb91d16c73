// Bundles the `moe` command for the GPU host (Node only, no npm install) into dist-gpu/ (beside dist/, so src/version.ts finds ../package.json): moe.js
// (src/cli.ts with every import inlined) and, beside it, @moe/tuner's measure worker, which
// `moe tune` starts from the folder of the running file. Left out: @resvg/resvg-js (a native
// module, loaded only for bench's PNG: carry node_modules/@resvg) and canvas (an optional import of
// vega's that the headless SVG renderer never needs). On the host, MOE_NATIVE_ADDON names the
// carried addon and MOE_KERNELS_DIR native/python (see packages/tuner/scripts/gpu-goal.sh).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = (p: string) => path.resolve(here, '../../..', p);

export default defineConfig({
  entry: {
    moe: 'src/cli.ts',
    'measure-worker': '../tuner/src/gpu/measure-worker-main.ts',
  },
  outDir: 'dist-gpu',
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  noExternal: [/^(?!@resvg\/resvg-js$|canvas$).*/],
  external: ['@resvg/resvg-js', 'canvas'],
  splitting: false,
  sourcemap: false,
  dts: false,
  clean: true,
  removeNodeProtocol: false,
  // ESM bundles of CommonJS dependencies need require(): give them one.
  banner: { js: "import { createRequire as __moeCreateRequire } from 'node:module'; const require = __moeCreateRequire(import.meta.url);" },
  esbuildOptions(options) {
    options.alias = {
      ...(options.alias ?? {}),
      '@moe/native': src('native/src/index.ts'),
      '@moe/tuner': src('packages/tuner/src/index.ts'),
      '@moe/bench': src('packages/bench/src/index.ts'),
      '@moe/config-store': src('packages/config-store/src/index.ts'),
      '@moe/model-shapes': src('packages/model-shapes/src/index.ts'),
      '@moe/engine-facts': src('packages/engine-facts/src/index.ts'),
    };
  },
});
