import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir, writeTree } from './__fixtures__/fake-engines';
import { makeUnwritable, UNWRITABLE_SKIP } from './__fixtures__/read-only';
import { BadArgumentError } from './errors/bad-argument-error';
import { WriteFailedError } from './errors/write-failed-error';
import { writeOps } from './file-writes';
import { mergeConfigs } from './merge';
import { buildPack, readPack } from './packs';

// Issue #13: `merge`/`pack -o` in a read-only folder exited 3 ("internal error: EACCES")
// (item 1); `merge` of two measured shards dropped the measurements, so merging its output again
// failed with "inputs disagree without measurements" (item 6); `pack --pack-version banana`
// named `--version` (item 7). Outputs are now written to a temp folder renamed into place.

const NAME = 'E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json';
const F = `triton_3_5_1/${NAME}`;
const c = (n: number) => ({ BLOCK_SIZE_M: 16, BLOCK_SIZE_N: n, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 });
const m = (us: number) => ({ tunedUs: us, defaultUs: null, date: '2026-11-27' });
/** A tuning shard: one SGLang file and, when given, its measurements in pack-input.json. */
const shard = (entries: Record<string, ReturnType<typeof c>>, us?: Record<string, number>) => {
  const dir = tempDir();
  writeTree(dir, { [F]: `${JSON.stringify(entries, null, 4)}\n` });
  if (us) writeTree(dir, { 'pack-input.json': JSON.stringify({ files: { [NAME]: { measurements: Object.fromEntries(Object.entries(us).map(([k, v]) => [k, m(v)])) } } }) });
  return dir;
};
const thrown = (f: () => unknown): Error => {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('nothing thrown');
};
const undo: (() => void)[] = [];
afterEach(() => {
  for (const u of undo.splice(0)) u();
  vi.restoreAllMocks();
});

describe('merge keeps the measurements of the entries it keeps', () => {
  it('two measured shards: the output carries pack-input.json with the kept entries\' times', () => {
    const a = shard({ '1': c(32), '2': c(64) }, { '1': 10, '2': 20 });
    const b = shard({ '1': c(128), '2': c(256), '4': c(16) }, { '1': 12, '2': 15, '4': 7 });
    const out = path.join(tempDir(), 'out');
    mergeConfigs([a, b], { out });
    expect(readdirSync(out).sort()).toEqual(['pack-input.json', 'provenance.json', 'triton_3_5_1']);
    // M=1: a (10 µs) beats b (12); M=2: b (15) beats a (20); M=4: only b.
    expect(JSON.parse(readFileSync(path.join(out, 'pack-input.json'), 'utf8'))).toEqual({
      files: { [F]: { measurements: { '1': m(10), '2': m(15), '4': m(7) } } },
    });
  });

  it('merging that output again with a third measured shard picks by time, not "disagree without measurements"', () => {
    const a = shard({ '1': c(32) }, { '1': 10 });
    const b = shard({ '2': c(256) }, { '2': 15 });
    const first = path.join(tempDir(), 'first');
    mergeConfigs([a, b], { out: first });
    const third = shard({ '1': c(16), '2': c(512) }, { '1': 9, '2': 30 });
    const out = path.join(tempDir(), 'again');
    const r = mergeConfigs([first, third], { out });
    expect(r.files[F]).toEqual({ '1': { from: 1, rule: 'faster', tunedUs: 9 }, '2': { from: 0, rule: 'faster', tunedUs: 15 } });
    const merged = JSON.parse(readFileSync(path.join(out, F), 'utf8'));
    expect([merged['1'].BLOCK_SIZE_N, merged['2'].BLOCK_SIZE_N]).toEqual([16, 256]);
  });

  it('a pack built from the merged output lists the measurements', () => {
    const a = shard({ '1': c(32) }, { '1': 10 });
    const b = shard({ '2': c(256) }, { '2': 15 });
    const merged = path.join(tempDir(), 'merged');
    mergeConfigs([a, b], { out: merged });
    const pack = path.join(tempDir(), 'pack');
    buildPack(merged, { name: 'h100', out: pack });
    expect(readPack(pack).manifest.files.map((f) => [f.path, f.measurements])).toEqual([[`configs/${F}`, { '1': m(10), '2': m(15) }]]);
  });

  it('the same file name in two Triton folders keeps each folder\'s measurements apart', () => {
    const dir = tempDir();
    writeTree(dir, {
      [`triton_3_4_0/${NAME}`]: `${JSON.stringify({ '1': c(32) })}`,
      [F]: `${JSON.stringify({ '1': c(64) })}`,
      'pack-input.json': JSON.stringify({ files: { [`triton_3_4_0/${NAME}`]: { measurements: { '1': m(11) } }, [F]: { measurements: { '1': m(22) } } } }),
    });
    const other = shard({ '2': c(16) }, { '2': 5 });
    const out = path.join(tempDir(), 'out');
    const r = mergeConfigs([dir, other], { out });
    expect(r.files[`triton_3_4_0/${NAME}`]).toEqual({ '1': { from: 0, rule: 'only', tunedUs: 11 } });
    expect(r.files[F]).toEqual({ '1': { from: 0, rule: 'only', tunedUs: 22 }, '2': { from: 1, rule: 'only', tunedUs: 5 } });
  });
});

describe('merge and pack -o where the machine refuses', () => {
  it('merge -o in a folder that cannot be written: WriteFailedError naming it, nothing created', (ctx) => {
    const parent = tempDir();
    const u = makeUnwritable(parent);
    if (!u) return ctx.skip(UNWRITABLE_SKIP);
    undo.push(u);
    const err = thrown(() => mergeConfigs([shard({ '1': c(32) }), shard({ '2': c(64) })], { out: path.join(parent, 'out') }));
    expect(err).toBeInstanceOf(WriteFailedError);
    expect(err.message).toMatch(new RegExp(`^cannot write into ${parent.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\((EACCES|EPERM): .*\\); nothing was written; pass -o a folder you can write to$`));
    expect(readdirSync(parent)).toEqual([]);
  });

  it('pack -o in a folder that cannot be written', (ctx) => {
    const parent = tempDir();
    const u = makeUnwritable(parent);
    if (!u) return ctx.skip(UNWRITABLE_SKIP);
    undo.push(u);
    const err = thrown(() => buildPack(shard({ '1': c(32) }), { name: 'h100', out: path.join(parent, 'pack') }));
    expect(err).toBeInstanceOf(WriteFailedError);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('a full disk halfway through a pack leaves no folder and no temp folder behind', () => {
    const parent = tempDir();
    const real = writeOps.writeSync;
    let calls = 0;
    vi.spyOn(writeOps, 'writeSync').mockImplementation(((...args: Parameters<typeof real>) => {
      calls += 1;
      if (calls === 3) throw Object.assign(new Error('ENOSPC: injected'), { code: 'ENOSPC', syscall: 'write' });
      return real(...args);
    }) as typeof real);
    const err = thrown(() => buildPack(shard({ '1': c(32) }), { name: 'h100', out: path.join(parent, 'deep', 'pack') }));
    expect(err).toBeInstanceOf(WriteFailedError);
    expect(err.message).toMatch(/ \(ENOSPC: no space left on the disk\); nothing was written \(the partial output was removed\); free space on that disk/);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('another run filling -o meanwhile: this one fails and leaves that output alone', () => {
    const parent = tempDir();
    const out = path.join(parent, 'out');
    mkdirSync(out);
    const real = writeOps.renameSync;
    vi.spyOn(writeOps, 'renameSync').mockImplementation((from, to) => {
      if (String(to) === out) writeFileSync(path.join(out, 'theirs'), 'x');
      return real(from, to);
    });
    const err = thrown(() => mergeConfigs([shard({ '1': c(32) }), shard({ '2': c(64) })], { out }));
    expect(err).toBeInstanceOf(BadArgumentError);
    expect(err.message).toBe(`-o ${out} was filled by another run while this one was writing; nothing was written; pass a new folder`);
    expect(readdirSync(parent)).toEqual(['out']);
    expect(readdirSync(out)).toEqual(['theirs']);
  });

  it('an existing empty -o is filled in place', () => {
    const out = path.join(tempDir(), 'out');
    mkdirSync(out);
    mergeConfigs([shard({ '1': c(32) }), shard({ '2': c(64) })], { out });
    expect(existsSync(path.join(out, F))).toBe(true);
  });
});

describe('pack arguments are named as the command spells them', () => {
  it('a bad version names --pack-version (was --version)', () => {
    const err = thrown(() => buildPack(shard({ '1': c(32) }), { name: 'h100', out: path.join(tempDir(), 'p'), version: 'banana' }));
    expect(err).toBeInstanceOf(BadArgumentError);
    expect(err.message).toBe('`version` banana: not a semver version; pass e.g. `version` 0.1.0');
  });
});
