// Bundles the GPU-host bench (gpu/bench-gpu.ts) into gpu/dist/bench-gpu.js (ignored by git): one
// file with every import inlined, so the GPU host (Node only, no npm install) runs it as is. Left
// out: @resvg/resvg-js (a native module, loaded only for the PNG: carry node_modules/@resvg) and
// canvas (an optional import of vega's that the headless SVG renderer never needs).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = (p: string) => path.resolve(here, '../../..', p);

export default defineConfig({
  entry: { 'bench-gpu': 'gpu/bench-gpu.ts' },
  outDir: 'gpu/dist',
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
      '@moe/config-store': src('packages/config-store/src/index.ts'),
      '@moe/model-shapes': src('packages/model-shapes/src/index.ts'),
      '@moe/engine-facts': src('packages/engine-facts/src/index.ts'),
    };
  },
});
