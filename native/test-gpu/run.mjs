#!/usr/bin/env node
// `npm run test:gpu`: builds the bundle when tsup is at hand (this machine), else uses the
// bundle carried along (the GPU host, which has no npm install), then runs the GPU tests one
// file at a time (they share one GPU) with node:test.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const dist = path.join(here, 'dist');
const tsup = path.join(root, 'node_modules', '.bin', 'tsup');
const rootTsup = path.join(root, '..', 'node_modules', '.bin', 'tsup');
const bin = [tsup, rootTsup].find((p) => existsSync(p));

if (bin && !process.argv.includes('--no-build')) {
  const r = spawnSync(bin, ['--config', 'test-gpu/tsup.config.ts'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
} else if (!existsSync(dist)) {
  console.error('test:gpu: no test-gpu/dist bundle and no tsup to build it; build it where the dev dependencies are installed (npm run build:gpu -w @moe/native) and carry test-gpu/dist');
  process.exit(2);
}
if (process.argv.includes('--build-only')) process.exit(0);

const files = readdirSync(dist).filter((f) => f.endsWith('.test.js')).sort().map((f) => path.join(dist, f));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
