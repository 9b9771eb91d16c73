/**
 * One of several processes writing the same output folders at once (concurrency.test.ts).
 * argv: <mode: install|merge|pack> <work folder> <tag> <rounds>. It says it is ready, waits for
 * <work>/go, then runs `rounds` writes into <work>/out-<i> (one per round) and writes what each
 * did to <work>/result-<tag>.json: "ok", or the error's kind, code and message.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { collectSourceFiles, installConfigs } from '../install';
import { mergeConfigs } from '../merge';
import { buildPack } from '../packs';

const [mode, work, tag, roundsText] = process.argv.slice(2) as [string, string, string, string];
const rounds = Number(roundsText);
const src = path.join(work, `src-${tag}`);
writeFileSync(path.join(work, `ready-${tag}`), '');
const tick = new Int32Array(new SharedArrayBuffer(4));
while (!existsSync(path.join(work, 'go'))) Atomics.wait(tick, 0, 0, 1);

const results: unknown[] = [];
for (let i = 0; i < rounds; i += 1) {
  const out = path.join(work, `out-${i}`);
  try {
    if (mode === 'install') installConfigs(collectSourceFiles([src]), { engine: 'sglang', into: out, force: true });
    else if (mode === 'merge') mergeConfigs([path.join(src, 'a'), path.join(src, 'b')], { out });
    else buildPack(src, { name: `gpu-${tag}`, out });
    results.push('ok');
  } catch (err) {
    const e = err as Error & { kind?: string; code?: string };
    results.push({ kind: e.kind ?? null, code: e.code ?? null, message: e.message });
  }
}
writeFileSync(path.join(work, `result-${tag}.json`), JSON.stringify(results));
