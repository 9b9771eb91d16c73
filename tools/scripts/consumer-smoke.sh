#!/usr/bin/env bash
# Consumer smoke test: builds the monorepo, packs every published package, installs the tarballs
# in a fresh folder outside the repository (third-party dependencies come from the npm registry)
# and uses them there the way a user would: the `moe` command, the native addon built on install,
# a config pack installed with npm, the README examples of @moe/kit and @moe/tuner, and those of
# @moe/config-store and @moe/model-shapes, each installed alone. Last, it clones the committed tree
# into the work folder and checks the README's set-up there: `npm ci`, then `npx moe`.
#
#   tools/scripts/consumer-smoke.sh [work-dir]     # default: a new folder under $TMPDIR
#
# Exits 0 when every check passes, 1 on the first failure (the failing check is printed). Not part
# of `npm test`: it installs from the registry and takes a minute or more. Needs Node.js >= 20.19,
# npm and git; it reads the repository's reference/ (reference config trees and tables).
# It packs the working tree (uncommitted changes included); the clone is of the last commit.
#   MOE_SMOKE_SKIP_BUILD=1    pack the dist/ folders as they are
#   MOE_SMOKE_NO_COMPILER=1   install with a C/C++ compiler that always fails: the install must
#                             succeed and the commands must say why the addon is missing
#   MOE_SMOKE_SKIP_CLONE=1    skip the fresh-clone check
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REF="$ROOT/reference"
WORK="${1:-$(mktemp -d "${TMPDIR:-/tmp}/moe-consumer-smoke.XXXXXX")}"
PACKS="$WORK/packs"
CONSUMER="$WORK/consumer"
# Published packages (tools/* are private build bases and are not packed).
PACKAGES=(packages/engine-facts packages/model-shapes packages/config-store packages/tuner packages/bench native packages/kit)
MAX_UNPACKED_BYTES=$((2 * 1024 * 1024))

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'consumer-smoke: FAIL: %s\n' "$*" >&2; exit 1; }
ok() { printf '   ok: %s\n' "$*"; }

# run <expected exit codes, comma-separated> <log file> <command...>: runs it, keeps stdout and
# stderr in the log, fails unless the exit code is one of the expected ones.
run() {
  local expect="$1" log="$2"
  shift 2
  local code=0
  "$@" >"$log" 2>&1 || code=$?
  if [[ ",$expect," != *",$code,"* ]]; then
    sed 's/^/   | /' "$log" | tail -40 >&2
    fail "\`$*\` exited $code (expected $expect)"
  fi
}
# expect_in <log> <fixed string>...: each string must occur in the log.
expect_in() {
  local log="$1"
  shift
  for s in "$@"; do
    grep -qF -- "$s" "$log" || { sed 's/^/   | /' "$log" | tail -40 >&2; fail "$(basename "$log"): expected to contain: $s"; }
  done
}

[[ -d "$REF/sglang-configs" ]] || fail "no reference data at $REF (reference/ in the repository)"
mkdir -p "$WORK"
rm -rf "$PACKS" "$CONSUMER"
mkdir -p "$PACKS" "$CONSUMER"
echo "work folder: $WORK"

if [[ "${MOE_SMOKE_SKIP_BUILD:-}" != 1 ]]; then
  step "build (npm run build at the root)"
  run 0 "$WORK/build.log" npm --prefix "$ROOT" run build
  ok "built"
fi

step "pack and inspect each published package"
for dir in "${PACKAGES[@]}"; do
  pkg="$ROOT/$dir"
  json="$WORK/$(basename "$dir").pack.json"
  (cd "$pkg" && npm pack --json --pack-destination "$PACKS" >"$json" 2>"$json.err") || { cat "$json.err" >&2; fail "npm pack in $dir"; }
  node - "$json" "$pkg" "$MAX_UNPACKED_BYTES" <<'EOF' || fail "tarball of $dir (see above)"
const fs = require('node:fs');
const path = require('node:path');
const [jsonFile, pkgDir, maxBytes] = process.argv.slice(2);
const [info] = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
const files = info.files.map((f) => f.path);
const manifest = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const problems = [];
const need = ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts'];
for (const bin of Object.values(manifest.bin ?? {})) need.push(bin.replace(/^\.\//, ''));
if (manifest.name === '@moe/native') {
  // The addon sources and build script (built on install), the protocol and every kernel file.
  need.push('binding.gyp', 'cc/build-addon.mjs', 'PROTOCOL.md');
  for (const f of fs.readdirSync(path.join(pkgDir, 'cc'))) if (/\.(cc|h)$/.test(f)) need.push(`cc/${f}`);
  const kernels = path.join(pkgDir, 'python', 'moe_kit_kernels');
  for (const f of fs.readdirSync(kernels)) if (f.endsWith('.py')) need.push(`python/moe_kit_kernels/${f}`);
}
// Files the README links to inside the package must ship with it (links that leave the package
// resolve against the repository on the registry's page).
const readme = fs.readFileSync(path.join(pkgDir, 'README.md'), 'utf8');
for (const [, target] of readme.matchAll(/\]\(([^)#\s]+)[^)]*\)/g)) {
  if (/^[a-z]+:/i.test(target) || target.startsWith('../') || target.startsWith('/')) continue;
  const rel = path.posix.normalize(target).replace(/\/$/, '');
  if (!files.some((f) => f === rel || f.startsWith(`${rel}/`))) need.push(rel);
}
for (const f of need) if (!files.includes(f)) problems.push(`missing ${f}`);
const banned = [/(^|\/)__fixtures__\//, /(^|\/)__pycache__\//, /\.test\.[cm]?[jt]s(\.map)?$/, /(^|\/)test-gpu\//,
  /^src\//, /(^|\/)tests?\//, /\.tsbuildinfo$/, /^build\//, /^node_modules\//, /\.(o|node|so)$/];
for (const f of files) if (banned.some((re) => re.test(f))) problems.push(`ships ${f}`);
if (info.unpackedSize > Number(maxBytes)) problems.push(`unpacked size ${info.unpackedSize} B is over ${maxBytes} B`);
// Source maps must map our sources only: no test or fixture file bundled into dist by mistake.
for (const f of files.filter((f) => f.endsWith('.map'))) {
  const map = JSON.parse(fs.readFileSync(path.join(pkgDir, f), 'utf8'));
  for (const s of map.sources) if (/__fixtures__|\.test\./.test(s)) problems.push(`${f} maps ${s}`);
}
if (problems.length) {
  console.error(`${info.name}: ${problems.join('; ')}`);
  process.exit(1);
}
console.log(`   ok: ${info.name}: ${files.length} files, ${(info.unpackedSize / 1024).toFixed(0)} KiB unpacked`);
EOF
done

step "install every tarball in a fresh consumer ($CONSUMER)"
cd "$CONSUMER"
run 0 "$WORK/init.log" npm init -y
# --foreground-scripts: npm shows an install script's output only when it fails, and the addon's
# build says why it did not build in a warning (exit 0).
if [[ "${MOE_SMOKE_NO_COMPILER:-}" == 1 ]]; then
  run 0 "$WORK/install.log" env CC=/bin/false CXX=/bin/false npm install --no-audit --no-fund --foreground-scripts "$PACKS"/*.tgz
else
  run 0 "$WORK/install.log" npm install --no-audit --no-fund --foreground-scripts "$PACKS"/*.tgz
fi
no_addon=
addon="$CONSUMER/node_modules/@moe/native/build/Release/moe_native.node"
if [[ -f "$addon" ]]; then
  ok "native addon built on install"
else
  # No compiler here: the install must still succeed and say why (build-addon.mjs --if-possible).
  grep -qF '@moe/native: warning: the addon was not built' "$WORK/install.log" ||
    fail "the native addon was not built on install and the install log does not say why (see $WORK/install.log)"
  ok "native addon not built; install says why: $(grep -F '@moe/native: warning' "$WORK/install.log" | head -1)"
  no_addon=1
fi
node -e '
const lock = require(process.argv[1]);
const want = ["engine-facts", "model-shapes", "config-store", "tuner", "bench", "native", "kit"];
const bad = want.filter((n) => !String(lock.packages[`node_modules/@moe/${n}`]?.resolved ?? "").startsWith("file:"));
const nested = Object.keys(lock.packages).filter((k) => /node_modules\/.+\/node_modules\/@moe\//.test(k));
if (bad.length || nested.length) { console.error(`not from the tarballs: ${[...bad, ...nested].join(", ")}`); process.exit(1); }
' "$CONSUMER/package-lock.json" || fail "every @moe/* package must resolve to its tarball, once (see package-lock.json)"
ok "every @moe/* dependency resolved to its tarball"

step "npx moe --help"
run 0 "$WORK/help.log" npx --no-install moe --help
expect_in "$WORK/help.log" "Usage: moe" "shapes" "configs" "devices" "tune"
ok "help lists shapes, configs, devices, tune"

step "npx moe shapes (catalog model, vLLM names on H200)"
# LFM2-8B-A1B: 32 experts, moe_intermediate_size 1792, so N is 1792 at TP1 and 896 at TP2; vLLM
# spells the H200 family NVIDIA_H200 and has no _down files.
run 0 "$WORK/shapes.log" npx --no-install moe shapes LiquidAI/LFM2-8B-A1B --tp 1,2 --engine vllm --device-name "NVIDIA H200"
expect_in "$WORK/shapes.log" "E=32,N=1792,device_name=NVIDIA_H200.json" "E=32,N=896,device_name=NVIDIA_H200.json"
ok "E=32,N=1792 / E=32,N=896 on NVIDIA_H200"

step "npx moe configs doctor (reference SGLang tree)"
# The reference tree has files the engine cannot use: doctor reports them and exits 1.
run 1 "$WORK/doctor.log" npx --no-install moe configs doctor "$REF/sglang-configs"
expect_in "$WORK/doctor.log" "files checked"
ok "$(grep -F 'files checked' "$WORK/doctor.log")"

step "npx moe tune --simulate --json"
run 0 "$WORK/tune.json" npx --no-install moe tune --simulate "$REF/measured/engine-kernel-exhaustive-h200-lfm2-8b-a1b-tp1-up.json" --json
node -e '
const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
if (!Array.isArray(r.rows) || r.rows.length === 0) throw new Error("no rows");
for (const row of r.rows) if (!(row.us > 0) || typeof row.config?.BLOCK_SIZE_M !== "number") throw new Error(`bad row ${JSON.stringify(row)}`);
console.log(`   ok: ${r.rows.length} batch sizes, ${r.compiled} configs compiled`);
' "$WORK/tune.json" || fail "tune --simulate --json did not print a result with a config per batch size"

step "npx moe devices"
run 0 "$WORK/devices.log" npx --no-install moe devices
run 0 "$WORK/devices.json" npx --no-install moe devices --json
if [[ -n "${no_addon:-}" ]]; then
  expect_in "$WORK/devices.log" "native addon (moe_native.node) did not load" "npm rebuild @moe/native"
fi
node -e '
const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
if (!Array.isArray(r.devices)) throw new Error("no devices array");
if (r.devices.length === 0 && !r.reason) throw new Error("no GPU and no reason given");
console.log(`   ok: ${r.devices.length} GPU(s)${r.devices.length ? "" : `; reason: ${r.reason.split("\n")[0].slice(0, 100)}`}`);
' "$WORK/devices.json" || fail "moe devices --json"

step "@moe/native from ESM: kernels shipped, devices probed"
cat >native.mjs <<'EOF'
import { findKernelsDir, kernelSourceHash, probeDevices } from '@moe/native';
const dir = findKernelsDir();
if (!dir.includes('node_modules')) throw new Error(`kernels found outside the installed package: ${dir}`);
console.log(kernelSourceHash(dir));
const probe = probeDevices();
if (probe.devices.length === 0 && !probe.reason) throw new Error('no GPU and no reason');
EOF
run 0 "$WORK/native.log" node native.mjs
repo_hash="$(cd "$ROOT/native" && node --input-type=module -e "import { kernelSourceHash } from './dist/index.js'; console.log(kernelSourceHash('python'))")"
[[ "$(head -1 "$WORK/native.log")" == "$repo_hash" ]] || fail "the installed kernels differ from native/python/moe_kit_kernels (hash $(head -1 "$WORK/native.log") vs $repo_hash)"
ok "installed kernels hash as the repository's; probeDevices works"

step "README examples of @moe/kit (in-process) and @moe/tuner"
cp "$REF/measured/engine-kernel-exhaustive-h200-lfm2-8b-a1b-tp1-up.json" table.json
cat >kit-example.mjs <<'EOF'
import { main, memoryIo } from '@moe/kit';

const io = memoryIo();
const code = await main(['shapes', 'mistralai/Mixtral-8x7B-v0.1', '--tp', '2', '--json'], io);
const rows = JSON.parse(io.out); // [{ localExperts: 8, shardIntermediate: 7168, ... }]
console.log(code, rows[0].localExperts, rows[0].shardIntermediate);
EOF
# Mixtral-8x7B: 8 experts, intermediate_size 14336, so 7168 per rank at TP2.
run 0 "$WORK/kit-example.log" env HF_HUB_OFFLINE=1 node kit-example.mjs
[[ "$(cat "$WORK/kit-example.log")" == "0 8 7168" ]] || fail "kit README example printed: $(cat "$WORK/kit-example.log")"
cat >tuner-example.mjs <<'EOF'
import { readFileSync } from 'node:fs';
import { autoStrategy, parseMeasuredTable, simulate } from '@moe/tuner';

const table = parseMeasuredTable(JSON.parse(readFileSync('table.json', 'utf8')), 'table.json');
const { result, score } = await simulate(table, autoStrategy(), { jitterPercent: 1, seed: 0 });
for (const row of result.rows) console.log(row.M, row.best?.config, row.best?.us);
console.log(`measured ${(100 * score.measuredFraction).toFixed(1)}% of the pairs, compiled ${score.compiled} configs`);
EOF
run 0 "$WORK/tuner-example.log" node tuner-example.mjs
expect_in "$WORK/tuner-example.log" "% of the pairs, compiled "
ok "kit: $(cat "$WORK/kit-example.log"); tuner: $(tail -1 "$WORK/tuner-example.log")"

step "a config pack: moe configs pack -> npm pack -> npm install -> lookup --packs"
mkdir -p pack-src/triton_3_5_1
cp "$REF/sglang-configs/triton_3_5_1/E=20,N=1536,device_name=NVIDIA_H200.json" pack-src/triton_3_5_1/
run 0 "$WORK/pack.log" npx --no-install moe configs pack pack-src --name h200 -o pack-out
(cd pack-out && npm pack --pack-destination "$PACKS" >"$WORK/pack-npm.log" 2>&1) || fail "npm pack of the config pack (see $WORK/pack-npm.log)"
run 0 "$WORK/pack-install.log" npm install --no-audit --no-fund "$PACKS"/moe-configs-h200-*.tgz
for engine in sglang vllm; do
  run 0 "$WORK/pack-lookup-$engine.log" npx --no-install moe configs lookup --engine "$engine" --packs --E 20 --N 1536 --device-name "NVIDIA H200" --triton 3.5.1 --m 1
done
expect_in "$WORK/pack-lookup-sglang.log" "loads     @moe/configs-h200/configs/triton_3_5_1/E=20,N=1536,device_name=NVIDIA_H200.json"
expect_in "$WORK/pack-lookup-vllm.log" "loads     @moe/configs-h200/vllm/E=20,N=1536,device_name=NVIDIA_H200.json"
ok "both engines' lookups find the installed pack's file"

# The README examples of the two packages that other tooling imports alone, each in its own
# consumer with only its own tarball and @moe/engine-facts' (no other @moe/* package present).
step "@moe/model-shapes alone (its README example)"
alone="$WORK/model-shapes-alone"
rm -rf "$alone" && mkdir -p "$alone" && cd "$alone"
run 0 "$WORK/ms-init.log" npm init -y
run 0 "$WORK/ms-install.log" npm install --no-audit --no-fund "$PACKS"/moe-model-shapes-*.tgz "$PACKS"/moe-engine-facts-*.tgz
[[ "$(ls node_modules/@moe | tr '\n' ' ')" == "engine-facts model-shapes " ]] || fail "@moe/model-shapes pulled in @moe packages other than engine-facts: $(ls node_modules/@moe | tr '\n' ' ')"
cat >example.mjs <<'EOF'
import { kernelShapes, loadModelConfig, resolveMoeShape } from '@moe/model-shapes';

const { config } = await loadModelConfig('deepseek-ai/DeepSeek-V3'); // path, folder, hub id or catalog name
const shape = resolveMoeShape(config); // { hidden: 7168, experts: 256, topk: 8, intermediate: 2048, ... }
const k = kernelShapes(shape, { tp: 8, engine: 'sglang', deviceName: 'NVIDIA H200' });
console.log(k.configFile);
console.log(JSON.stringify({ hidden: shape.hidden, experts: shape.experts, topk: shape.topk, intermediate: shape.intermediate }));
EOF
run 0 "$WORK/ms-example.log" env HF_HUB_OFFLINE=1 node example.mjs
# DeepSeek-V3: 256 routed experts + 1 shared expert SGLang fuses in (E=257), 2048 / TP8 = 256,
# block-fp8 weights; SGLang spells the block shape with a space.
expect_in "$WORK/ms-example.log" 'E=257,N=256,device_name=NVIDIA_H200,dtype=fp8_w8a8,block_shape=[128, 128].json' \
  '{"hidden":7168,"experts":256,"topk":8,"intermediate":2048}'
ok "$(head -1 "$WORK/ms-example.log")"

step "@moe/config-store alone (its README example)"
alone="$WORK/config-store-alone"
rm -rf "$alone" && mkdir -p "$alone/my-tuned-configs" "$alone/vllm-configs" && cd "$alone"
run 0 "$WORK/cs-init.log" npm init -y
run 0 "$WORK/cs-install.log" npm install --no-audit --no-fund "$PACKS"/moe-config-store-*.tgz "$PACKS"/moe-engine-facts-*.tgz
[[ "$(ls node_modules/@moe | tr '\n' ' ')" == "config-store engine-facts " ]] || fail "@moe/config-store pulled in @moe packages other than engine-facts: $(ls node_modules/@moe | tr '\n' ' ')"
cp "$REF/sglang-configs/triton_3_1_0/E=8,N=7168,device_name=NVIDIA_H200.json" my-tuned-configs/
cat >example.mjs <<EOF
import { doctor, install, lookup } from '@moe/config-store';

// What SGLang (running Triton 3.5.1) loads for M = 1 and 4096 tokens on an H200.
const report = await lookup({
  engine: 'sglang',
  dir: '$REF/sglang-configs',
  key: { E: 8, N: 7168, deviceName: 'NVIDIA H200', dtype: null, blockShape: null, perChannelQuant: false },
  ms: [1, 4096],
  tritonVersion: '3.5.1',
});
for (const r of report.results) console.log(r.m, r.source, r.file, r.key, JSON.stringify(r.config));

// Copy tuned files to where vLLM reads them (renamed to vLLM's spelling), then check the folder.
await install(['my-tuned-configs/'], { engine: 'vllm', into: 'vllm-configs' });
for (const f of doctor('vllm-configs').findings) {
  console.log(f.severity, f.file, f.code, f.message, f.fix);
}
EOF
run 0 "$WORK/cs-example.log" node example.mjs
# No triton_3_5_1 file for E=8,N=7168 on H200: SGLang falls back to the newest older folder that
# has one (triton_3_1_0), whose batch keys include 1 and 4096.
expect_in "$WORK/cs-example.log" "1 file triton_3_1_0/E=8,N=7168,device_name=NVIDIA_H200.json 1 " \
  "4096 file triton_3_1_0/E=8,N=7168,device_name=NVIDIA_H200.json 4096 "
[[ -f "vllm-configs/E=8,N=7168,device_name=NVIDIA_H200.json" ]] || fail "install did not write vllm-configs/E=8,N=7168,device_name=NVIDIA_H200.json"
ok "lookup falls back to triton_3_1_0; install wrote the vLLM file"

# The README's set-up on a fresh clone of the committed tree: `npm ci`, then `npx moe` from the
# root (npm links the bin before the root `prepare` builds dist/). MOE_SMOKE_SKIP_CLONE=1 skips it.
if [[ "${MOE_SMOKE_SKIP_CLONE:-}" != 1 ]]; then
  step "fresh clone: npm ci, then npx moe from the root"
  clone="$WORK/clone"
  rm -rf "$clone"
  run 0 "$WORK/clone.log" git clone -q "$ROOT" "$clone"
  (cd "$clone" && npm ci --no-audit --no-fund >"$WORK/clone-ci.log" 2>&1) || fail "npm ci in a fresh clone (see $WORK/clone-ci.log)"
  (cd "$clone" && npx --no-install moe shapes LiquidAI/LFM2-8B-A1B --tp 1 --engine vllm --device-name "NVIDIA H200" >"$WORK/clone-moe.log" 2>&1) ||
    fail "npx moe after npm ci in a fresh clone: $(tail -3 "$WORK/clone-moe.log")"
  expect_in "$WORK/clone-moe.log" "E=32,N=1792,device_name=NVIDIA_H200.json"
  ok "npx moe works right after npm ci (clone of $(git -C "$ROOT" rev-parse --short HEAD))"
fi

printf '\nconsumer-smoke: all checks passed (work folder %s)\n' "$WORK"
