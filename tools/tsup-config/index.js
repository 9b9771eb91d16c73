// The one tsup base every package builds with. A package's tsup.config.ts is a line or two:
//   export default packageConfig({ entry: ['src/index.ts', 'src/cli.ts'] })
// Kept small on purpose so that a later switch to tsdown is this one file.
import { defineConfig } from 'tsup';

export function packageConfig(overrides = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: false,
    ...overrides,
  });
}
