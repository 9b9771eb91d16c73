#!/usr/bin/env node
// Builds the native addon (build/Release/moe_native.node) with node-gyp, unless a build of the
// same sources is already there (build/Release/.moe-stamp holds their hash).
//
//   node cc/build-addon.mjs                 build; fail when the build fails (the package's `build`)
//   node cc/build-addon.mjs --if-possible   build; on failure warn and exit 0 (the `install` hook:
//                                           the package installs anyway and says why at run time)
//   MOE_NATIVE_SKIP_BUILD=1                 skip the addon build altogether
//
// No CUDA or ROCm is needed: the addon loads the driver at run time. node-gyp needs python3, make
// and a C++17 compiler, and Node's headers: taken from this Node's own prefix when they are there
// (no download), else from npm's `nodedir` setting, else downloaded by node-gyp.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ifPossible = process.argv.includes('--if-possible');
const addon = path.join(root, 'build', 'Release', 'moe_native.node');
const stampFile = path.join(root, 'build', 'Release', '.moe-stamp');

function log(message) {
  process.stderr.write(`@moe/native: ${message}\n`);
}

function sourcesHash() {
  const hash = createHash('sha256');
  const ccDir = path.join(root, 'cc');
  const files = ['binding.gyp', ...readdirSync(ccDir).filter((f) => /\.(cc|h)$/.test(f)).sort().map((f) => `cc/${f}`)];
  for (const file of files) {
    hash.update(file).update('\0').update(readFileSync(path.join(root, file))).update('\0');
  }
  // N-API binaries do not depend on the Node version, only on the platform.
  hash.update(`${process.platform}-${process.arch}`);
  return hash.digest('hex');
}

function nodeGypCommand() {
  try {
    const require = createRequire(path.join(root, 'package.json'));
    return [process.execPath, require.resolve('node-gyp/bin/node-gyp.js')];
  } catch {
    // npm tells lifecycle scripts where its bundled node-gyp is.
    const bundled = process.env.npm_config_node_gyp;
    if (bundled && existsSync(bundled)) return [process.execPath, bundled];
    return ['node-gyp'];
  }
}

function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function main() {
  if (process.env.MOE_NATIVE_SKIP_BUILD === '1') {
    log('MOE_NATIVE_SKIP_BUILD=1: addon not built');
    return 0;
  }
  const hash = sourcesHash();
  if (existsSync(addon) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === hash) {
    log('addon up to date (build/Release/moe_native.node)');
    return 0;
  }
  const [cmd, ...pre] = nodeGypCommand();
  const args = [...pre, 'rebuild', ...nodedirArgs(), `--jobs=max`];
  log(`building the addon: ${[cmd, ...args].join(' ')}`);
  const result = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status === 0 && existsSync(addon)) {
    writeFileSync(stampFile, `${hash}\n`);
    log('addon built: build/Release/moe_native.node');
    return 0;
  }
  const why = result.error ? result.error.message : `node-gyp exited with ${result.status}`;
  const fix = 'install python3, make and a C++17 compiler (e.g. apt-get install build-essential python3), then run `npm rebuild @moe/native`';
  if (ifPossible) {
    log(`warning: the addon was not built (${why}). GPU features will be unavailable; to fix, ${fix}.`);
    return 0;
  }
  log(`error: the addon was not built (${why}). To fix, ${fix}; or set MOE_NATIVE_SKIP_BUILD=1 to build without it.`);
  return 1;
}

process.exitCode = main();
