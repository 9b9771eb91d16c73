// Shared vitest base. In-repo tests resolve every @moe/* workspace package to its TypeScript
// source, so a test run needs no prior build.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { defineProject } from 'vitest/config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const sourceAliases = {
  '@moe/engine-facts': path.join(root, 'packages/engine-facts/src/index.ts'),
  '@moe/model-shapes': path.join(root, 'packages/model-shapes/src/index.ts'),
  '@moe/config-store': path.join(root, 'packages/config-store/src/index.ts'),
  '@moe/tuner': path.join(root, 'packages/tuner/src/index.ts'),
  '@moe/bench': path.join(root, 'packages/bench/src/index.ts'),
  '@moe/kit': path.join(root, 'packages/kit/src/index.ts'),
  '@moe/native': path.join(root, 'native/src/index.ts'),
};

/** A vitest project for one package: `export default packageProject('model-shapes')`. */
export function packageProject(name, overrides = {}) {
  const { test = {}, ...rest } = overrides;
  return defineProject({
    resolve: { alias: sourceAliases },
    ...rest,
    test: {
      name,
      include: ['src/**/*.test.ts'],
      environment: 'node',
      testTimeout: 20_000,
      ...test,
    },
  });
}
