#!/usr/bin/env node
// The `moe` command: runs the built CLI (dist/cli.js). This file is checked in so that npm links
// the bin on a fresh clone's `npm ci`, which links bins before the root `prepare` builds dist/
// (npm skips a bin whose file is missing, and `npx moe` then asks the registry for a package `moe`).
try {
  await import('../dist/cli.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli.js')) throw error;
  process.stderr.write('moe: @moe/kit is not built (dist/cli.js is missing); run `npm run build` at the repository root\n');
  process.exitCode = 3;
}
