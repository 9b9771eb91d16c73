// Benchmark (not a test): `moe configs doctor` over the whole reference corpus (690 files:
// 374 SGLang incl. 16 other-kernel files, 316 vLLM). Run after `npx tsup`:
//   node bench/doctor-corpus.mjs [runs]
// Prints the time of the first (cold) run and min/median/max of the following runs, per engine
// and in total. Target (issue 3): under 2 s for the whole corpus.
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { doctor } from '../dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const reference = path.resolve(here, '../../../reference'); // the repository's reference/
const trees = [
  ['sglang', path.join(reference, 'sglang-configs')],
  ['vllm', path.join(reference, 'vllm-configs')],
];
const runs = Number(process.argv[2] ?? 10);

function once() {
  const times = {};
  let findings = 0;
  let files = 0;
  const t0 = performance.now();
  for (const [engine, dir] of trees) {
    const t = performance.now();
    const r = doctor(dir, { engine });
    times[engine] = performance.now() - t;
    findings += r.findings.length;
    files += r.checked;
  }
  times.total = performance.now() - t0;
  return { times, findings, files };
}

const cold = once();
const warm = [];
for (let i = 0; i < runs; i += 1) warm.push(once());
const stat = (key) => {
  const v = warm.map((w) => w.times[key]).sort((a, b) => a - b);
  return `min ${v[0].toFixed(0)} ms, median ${v[Math.floor(v.length / 2)].toFixed(0)} ms, max ${v[v.length - 1].toFixed(0)} ms`;
};
console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}`);
console.log(`${cold.files} config files checked, ${cold.findings} findings`);
console.log(`cold run: sglang ${cold.times.sglang.toFixed(0)} ms, vllm ${cold.times.vllm.toFixed(0)} ms, total ${cold.times.total.toFixed(0)} ms`);
for (const key of ['sglang', 'vllm', 'total']) console.log(`warm ${key.padEnd(6)} (${runs} runs): ${stat(key)}`);
