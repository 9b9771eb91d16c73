import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticRecord } from '@moe/bench';
import { probeDevices } from '@moe/native';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../exit';
import { memoryIo } from '../io';
import { main } from '../main';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const tmp = mkdtempSync(path.join(tmpdir(), 'moe-bench-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
// Offline: models come from the catalog; no python has an engine (PATH without one is not needed: no sglang anywhere).
const env = { HF_HUB_OFFLINE: '1', HF_HOME: path.join(tmp, 'no-hf'), PATH: process.env.PATH };

async function run(argv: string[]) {
  const io = memoryIo(env, repoRoot);
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

const H100 = 'shipped:reference/sglang-configs@NVIDIA H100 80GB HBM3';
const DRY = ['bench', '--dry-run', '--device-name', 'NVIDIA H200', '--triton', '3.6.0', '--python', path.join(tmp, 'no-python')];

describe('moe bench without a GPU', () => {
  it('--help lists the flags of the issue', async () => {
    const { code, out } = await run(['bench', '--help']);
    expect(code).toBe(EXIT.ok);
    for (const flag of ['--tp', '--engine', '--python', '--sets', '--batch-sizes', '--what', '--routing', '--repeats', '--report', '--json', '--dry-run', '--peaks']) {
      expect(out, flag).toContain(flag);
    }
  });

  it('--dry-run: per batch size and set, the config that would be timed and where it comes from, and the shape', async () => {
    const { code, out, err } = await run([...DRY, '--sets', `default,${H100}`, '--batch-sizes', '1,37,4096', '--what', 'up,layer']);
    expect(err).toBe('');
    expect(code).toBe(EXIT.ok);
    const lines = out.split('\n');
    expect(lines[0]).toBe('LiquidAI/LFM2-8B-A1B tp 1 (Lfm2MoeForCausalLM): E=32 N=1792 K=2048 top-4 bf16');
    expect(lines[1]).toBe('sglang on NVIDIA H200 asks for E=32,N=1792,device_name=NVIDIA_H200.json and E=32,N=1792,device_name=NVIDIA_H200_down.json; Triton 3.6.0');
    // The shipped H100 file (SGLang's, read by hand): key "32" at M=37 is 16/64/128/1/4/5, found by
    // the Triton fallback from 3.6.0 to triton_3_5_1; the default at M=37 > E is 64/64/32/8.
    const at37 = (set: string) => lines.find((l) => /^\s+37\s/.test(l) && l.includes(` ${set} `))!;
    expect(at37('shipped@NVIDIA_H100_80GB_HBM3')).toMatch(
      /16\/64\/128\/1\/4\/5\s+triton_3_5_1\/E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3\.json entry "32" \(Triton fallback: triton_3_5_1\)\s+16\/64\/128\/1\/4\/5\s+the up config \(no E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3_down\.json\)/,
    );
    expect(at37('default')).toMatch(/64\/64\/32\/8\/4\/3\s+engine default config\s+64\/64\/32\/8\/4\/3\s+engine default config/);
  });

  it('--dry-run --json: the plan as data', async () => {
    const { code, out } = await run([...DRY, '--sets', `${H100},default`, '--batch-sizes', '1,6144', '--json']);
    expect(code).toBe(EXIT.ok);
    const plan = JSON.parse(out);
    expect(plan.dryRun).toBe(true);
    expect(plan.shape).toMatchObject({ E: 32, N: 1792, K: 2048, topk: 4, mode: 'bf16' });
    expect(plan.sets.map((s: { label: string }) => s.label)).toEqual(['default', 'shipped@NVIDIA_H100_80GB_HBM3']);
    // 6144 is 2048 from the keys 4096 and 8192: SGLang takes the smaller.
    expect(plan.batches[1].configs['shipped@NVIDIA_H100_80GB_HBM3'].up).toMatchObject({
      key: 4096,
      tile: { BLOCK_SIZE_M: 128, BLOCK_SIZE_N: 256, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 8, num_stages: 4 },
    });
    // Expected hit experts at M=1 under uniform routing: exactly top-k.
    expect(plan.batches[0].hitExperts).toBe(4);
    expect(plan.batches[0].hitSource).toBe('expected');
  });

  it('without --sets and no engine in --python: the default set only, said once on stderr', async () => {
    const { code, out, err } = await run([...DRY, '--batch-sizes', '1']);
    expect(code).toBe(EXIT.ok);
    expect(err).toMatch(/^moe bench: note: no sglang in .*no-python: the sets are default only \(no installed\); pass --python/);
    expect(out).toContain('set default (default): engine default');
    expect(out).not.toContain('set installed');
  });

  it('bad flags: one line naming the flag and the fix, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [[...DRY, '--what', 'sideways'], /^moe: --what sideways: unknown stage .*; pass one of up, down, layer\n$/],
      [[...DRY, '--sets', 'default,bogus'], /^moe: --sets bogus: unknown set "bogus"; each is one of default, tuned, shipped, pack, installed/],
      [[...DRY, '--sets', 'installed'], /^moe: --python .*no-python: no such interpreter; pass the python of the environment the engine runs in/],
      [[...DRY, '--batch-sizes', '1,x'], /^moe: --batch-sizes 1,x: not a comma-separated list of positive integers/],
      [[...DRY, '--repeats', '0'], /^moe: --repeats 0: not a positive integer/],
      [[...DRY, '--routing', 'zipf:99'], /^moe: --routing zipf:<s> 99: the Zipf exponent must be a number from 0 to 10/],
      [['bench', '--dry-run', '--sets', 'default'], /^moe: --device-name missing and no local GPU found/],
      [['bench', '--device-name', 'NVIDIA H200', '--sets', 'default'], /^moe: --device-name is for --dry-run/],
      [['bench', '--from', path.join(tmp, 'missing.json')], /^moe: --from .*missing\.json: cannot read it \(ENOENT\)/],
    ];
    for (const [argv, re] of cases) {
      if (argv[1] === '--dry-run' && argv[2] === '--sets' && probeDevices().devices.length > 0) continue; // a GPU here names the device
      const { code, err, out } = await run(argv);
      expect(code, argv.join(' ')).toBe(EXIT.usage);
      expect(err, argv.join(' ')).toMatch(re);
      expect(err.trimEnd().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(out, argv.join(' ')).toBe('');
    }
  });

  it.skipIf(probeDevices().devices.length > 0)('a run needs a GPU: without one it says why, exit 4 (the machine)', async () => {
    const { code, err, out } = await run(['bench', '--sets', 'default', '--batch-sizes', '1', '--python', path.join(tmp, 'no-python')]);
    expect(code).toBe(EXIT.machine);
    expect(err).toMatch(/^moe: GPU 0: /m);
    expect(out).toBe('');
  });

  it('--from a saved record: prints its table and writes the report, no GPU', async () => {
    const record = await syntheticRecord({ ms: [1, 4096], rounds: 3 });
    const file = path.join(tmp, 'bench.json');
    writeFileSync(file, JSON.stringify(record));
    const { code, out } = await run(['bench', '--from', file, '--report', path.join(tmp, 'rep', 'bench.html')]);
    expect(code).toBe(EXIT.ok);
    expect(out.split('\n')[0]).toMatch(/^SYNTHETIC DATA, NOT MEASURED/);
    expect(out).toContain('whole-layer throughput, tokens/s');
    expect(out).toMatch(/report: .*rep\/bench\.html \(main plot .*rep\/bench\.svg, .*rep\/bench\.png; record .*rep\/bench\.json\)/);
    for (const ext of ['html', 'svg', 'png', 'json']) expect(existsSync(path.join(tmp, 'rep', `bench.${ext}`)), ext).toBe(true);
    const j = await run(['bench', '--from', file, '--json']);
    const parsed = JSON.parse(j.out);
    expect(Object.keys(parsed)).toEqual(['record', 'rows']);
    // 2 batch sizes x 3 stages x 4 sets
    expect(parsed.rows).toHaveLength(2 * 3 * 4);
    expect(JSON.parse(readFileSync(path.join(tmp, 'rep', 'bench.json'), 'utf8')).synthetic).toMatch(/^made up by/);
  });

  it('--from: a wrong result in the record is a finding: exit 1', async () => {
    const record = await syntheticRecord({ ms: [1], stages: ['up'], rounds: 2 });
    const run0 = record.batches[0]!.runs[1]!;
    run0.check = { ok: false, summary: 'rel error 0.3' };
    run0.roundsUs = [];
    const file = path.join(tmp, 'bad-check.json');
    writeFileSync(file, JSON.stringify(record));
    const { code, err } = await run(['bench', '--from', file]);
    expect(code).toBe(EXIT.findings);
    expect(err).toMatch(/1 configs gave wrong results/);
  });
});
