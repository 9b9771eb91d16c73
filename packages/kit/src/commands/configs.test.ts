import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../exit';
import { memoryIo } from '../io';
import { main } from '../main';
import { hasPython } from '@moe/vitest-config/test-env';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const REFERENCE = path.join(REPO, 'reference');
const SGLANG = path.join(REFERENCE, 'sglang-configs');
const VLLM = path.join(REFERENCE, 'vllm-configs');

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'moe-kit-configs-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}


const entry = (m: number, n: number) => ({ BLOCK_SIZE_M: m, BLOCK_SIZE_N: n, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 });

async function run(argv: string[]) {
  const io = memoryIo({});
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

describe('moe configs lookup', () => {
  it('prints one JSON object per M with the file, the key and the config (SGLang reference tree)', async () => {
    // triton_3_5_1/E=8,N=7168,device_name=NVIDIA_H200.json does not exist; triton_3_1_0 has it.
    const r = await run(['configs', 'lookup', '--engine', 'sglang', '--dir', SGLANG, '--E', '8', '--N', '7168', '--device-name', 'NVIDIA H200', '--triton', '3.5.1', '--m', '1,3,5000', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(EXIT.ok);
    const rows = JSON.parse(r.out);
    expect(rows.map((x: Record<string, unknown>) => Object.keys(x))).toEqual([
      ['m', 'source', 'file', 'key', 'config'],
      ['m', 'source', 'file', 'key', 'config'],
      ['m', 'source', 'file', 'key', 'config'],
    ]);
    expect(rows.map((x: { m: number; file: string; key: number }) => [x.m, x.file, x.key])).toEqual([
      [1, 'triton_3_1_0/E=8,N=7168,device_name=NVIDIA_H200.json', 1],
      // 3 is 1 from 2 and 1 from 4: the tie goes to the smaller key.
      [3, 'triton_3_1_0/E=8,N=7168,device_name=NVIDIA_H200.json', 2],
      // above the largest key (4096): the largest.
      [5000, 'triton_3_1_0/E=8,N=7168,device_name=NVIDIA_H200.json', 4096],
    ]);
    // The values of entry "1" in that file, read by eye.
    expect(rows[0].config).toEqual({ BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 128, BLOCK_SIZE_K: 128, GROUP_SIZE_M: 64, num_warps: 4, num_stages: 5 });
  });

  it('gives the default config when no file exists, in text and JSON', async () => {
    const dir = tree({ 'E=8,N=14336,device_name=NVIDIA_H100_80GB_HBM3.json': JSON.stringify({ '1': entry(16, 32) }) });
    const r = await run(['configs', 'lookup', '--engine', 'vllm', '--dir', dir, '--E', '99', '--N', '1', '--device-name', 'NVIDIA H100 80GB HBM3', '--m', '1,600', '--json']);
    expect(JSON.parse(r.out)).toEqual([
      { m: 1, source: 'default', file: null, key: null, config: { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 64, BLOCK_SIZE_K: 128, GROUP_SIZE_M: 1, SPLIT_K: 1, num_warps: 4, num_stages: 4 } },
      { m: 600, source: 'default', file: null, key: null, config: { BLOCK_SIZE_M: 128, BLOCK_SIZE_N: 128, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, SPLIT_K: 1, num_warps: 8, num_stages: 3 } },
    ]);
    const t = await run(['configs', 'lookup', '--engine', 'vllm', '--dir', dir, '--E', '8', '--N', '14336', '--device-name', 'NVIDIA H100 80GB HBM3', '--m', '37']);
    expect(t.code).toBe(EXIT.ok);
    expect(t.out).toContain('asks for  E=8,N=14336,device_name=NVIDIA_H100_80GB_HBM3.json');
    expect(t.out).toMatch(/\n37\s+file\s+1\s+16\s+32\s+64\s+1\s+4\s+3/);
  });

  it('reads the vLLM reference folder with vLLM spellings (H200 family, block shape without a space)', async () => {
    const r = await run(['configs', 'lookup', '--engine', 'vllm', '--dir', VLLM, '--E', '128', '--N', '384', '--device-name', 'NVIDIA H200 NVL', '--dtype', 'fp8_w8a8', '--block-shape', '128,128', '--m', '64', '--json']);
    const rows = JSON.parse(r.out);
    expect(rows[0].file).toBe('E=128,N=384,device_name=NVIDIA_H200,dtype=fp8_w8a8,block_shape=[128,128].json');
    expect(rows[0].key).toBe(64);
  });

  it('exits 2 with a clear message on bad input', async () => {
    const a = await run(['configs', 'lookup', '--engine', 'tgi', '--dir', VLLM, '--E', '8', '--N', '1', '--device-name', 'X']);
    expect(a.code).toBe(EXIT.usage);
    expect(a.err).toMatch(/^moe: --engine tgi: unknown engine; pass one of sglang, vllm/);
    const b = await run(['configs', 'lookup', '--engine', 'vllm', '--dir', '/no/such/dir', '--E', '8', '--N', '1', '--device-name', 'X']);
    expect(b.code).toBe(EXIT.usage);
    expect(b.err).toMatch(/is not a folder/);
    const c = await run(['configs', 'lookup', '--engine', 'vllm', '--dir', VLLM, '--E', '8', '--device-name', 'X', '--m', '0']);
    expect(c.code).toBe(EXIT.usage);
    const d = await run(['configs', 'lookup', '--engine', 'vllm', '--dir', VLLM, '--E', '8', '--N', '7168']);
    expect(d.code).toBe(EXIT.usage);
    expect(d.err).toMatch(/--device-name missing/);
  });
});

describe('moe configs doctor', () => {
  it('exits 1 on the vLLM reference folder and prints the exact JSON shape', async () => {
    const r = await run(['configs', 'doctor', VLLM, '--json']);
    expect(r.code).toBe(EXIT.findings);
    const report = JSON.parse(r.out);
    expect(Object.keys(report)).toEqual(['findings']);
    for (const f of report.findings) expect(Object.keys(f)).toEqual(['file', 'severity', 'code', 'message', 'fix']);
    // 10 name errors (9 dtypes vLLM never asks for, 1 device name it never asks for), plus 4
    // shared-memory errors in the dtype=bf16 file (entries over H100's limit even at num_stages - 1
    // buffers; worked out in config-store's corpus-findings.ts).
    expect(report.findings.filter((f: { severity: string }) => f.severity === 'error')).toHaveLength(14);
  });

  it('exits 0 on a clean tree and 2 on a missing folder', async () => {
    const dir = tree({ [`configs/triton_3_5_1/E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json`]: `${JSON.stringify({ '1': entry(16, 32) }, null, 4)}\n` });
    const ok = await run(['configs', 'doctor', dir]);
    expect(ok.code).toBe(EXIT.ok);
    expect(ok.out).toContain('1 file checked: 0 errors, 0 warnings, 0 notes');
    const missing = await run(['configs', 'doctor', path.join(dir, 'nope')]);
    expect(missing.code).toBe(EXIT.usage);
  });
});

describe('moe configs lookup --model', () => {
  it('takes E and N from the model (LFM2-8B-A1B: 32 experts of width 1792, tp 1)', async () => {
    const dir = tree({
      'config.json': JSON.stringify({
        architectures: ['Lfm2MoeForCausalLM'],
        model_type: 'lfm2_moe',
        hidden_size: 2048,
        num_experts: 32,
        num_experts_per_tok: 4,
        moe_intermediate_size: 1792,
        intermediate_size: 7168,
        num_dense_layers: 2,
        num_hidden_layers: 24,
        dtype: 'bfloat16',
      }),
    });
    const r = await run(['configs', 'lookup', '--engine', 'sglang', '--dir', SGLANG, '--model', path.join(dir, 'config.json'), '--tp', '1', '--device-name', 'NVIDIA H100 80GB HBM3', '--triton', '3.5.1', '--m', '16', '--json']);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)[0]).toMatchObject({ m: 16, source: 'file', file: 'triton_3_5_1/E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json', key: 16 });
  });
});

describe('moe configs install', () => {
  const LFM2 = 'triton_3_5_1/E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json';

  it.runIf(hasPython)('installs into the sglang of a Python environment (new layout) and reports the target', async () => {
    const site = tree({
      'sglang/__init__.py': '',
      'sglang/srt/layers/moe/moe_runner/triton_utils/fused_moe_triton_config.py': '',
      'sglang/srt/layers/moe/fused_moe_triton/__init__.py': '',
    });
    const io = memoryIo({ PATH: process.env.PATH, PYTHONPATH: site });
    const code = await main(['configs', 'install', path.join(SGLANG, LFM2), '--engine', 'sglang', '--python', 'python3', '--json'], io);
    expect(io.err).toBe('');
    expect(code).toBe(EXIT.ok);
    const report = JSON.parse(io.out);
    expect(report.actions[0]).toMatchObject({ action: 'write', target: `srt/layers/moe/moe_runner/triton_utils/configs/${LFM2}` });
  });

  it('shows per-batch differences and exits 1 instead of overwriting', async () => {
    const dir = tree({ [`configs/${LFM2}`]: JSON.stringify({ '1': entry(16, 32) }) });
    const r = await run(['configs', 'install', path.join(SGLANG, LFM2), '--engine', 'sglang', '--into', dir]);
    expect(r.code).toBe(EXIT.findings);
    expect(r.out).toContain('conflict');
    expect(r.out).toContain('nothing written: existing files differ');
    expect(r.out).toMatch(/\n {6}1 {8}16\/32\/64\/1\/4\/3 -> /);
  });

  it('exits 2 for --into and --python together', async () => {
    const r = await run(['configs', 'install', path.join(SGLANG, LFM2), '--engine', 'sglang', '--into', '/tmp', '--python', 'python3']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/exactly one of --into/);
  });
});

describe('moe configs pack, lookup --packs and merge', () => {
  const LFM2 = 'triton_3_5_1/E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json';

  it('builds a pack, which lookup --packs finds in node_modules', async () => {
    const src = tree({ [LFM2]: JSON.stringify({ '16': entry(16, 64) }) });
    const project = tree({ 'package.json': '{}' });
    const r = await run(['configs', 'pack', src, '--name', 'h100', '-o', path.join(project, 'node_modules/@moe/configs-h100'), '--pack-version', '1.2.3', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(EXIT.ok);
    expect(JSON.parse(r.out).manifest.name).toBe('@moe/configs-h100');
    const io = memoryIo({}, project);
    const code = await main(['configs', 'lookup', '--engine', 'sglang', '--packs', '--E', '32', '--N', '1792', '--device-name', 'NVIDIA H100 80GB HBM3', '--triton', '3.5.1', '--m', '20', '--json'], io);
    expect(io.err).toBe('');
    expect(code).toBe(EXIT.ok);
    expect(JSON.parse(io.out)[0]).toMatchObject({ source: 'file', file: `@moe/configs-h100/configs/${LFM2}`, key: 16 });
  });

  it('merges shards and refuses conflicts with exit 2 and the fix', async () => {
    const a = tree({ [LFM2]: JSON.stringify({ '1': entry(16, 32) }) });
    const b = tree({ [LFM2]: JSON.stringify({ '2': entry(16, 64) }) });
    const c = tree({ [LFM2]: JSON.stringify({ '1': entry(16, 128) }) });
    const out = path.join(tree({}), 'merged');
    const ok = await run(['configs', 'merge', a, b, '-o', out]);
    expect(ok.code).toBe(EXIT.ok);
    expect(ok.out).toContain(`${LFM2}: 2 batch keys (2 only)`);
    const bad = await run(['configs', 'merge', a, c, '-o', path.join(tree({}), 'm2')]);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err).toMatch(/--prefer first\|last/);
  });
});

describe('moe configs lookup --python', () => {
  it.runIf(hasPython)('reads the installed package, or SGLANG_MOE_CONFIG_DIR when it is set', async () => {
    const name = 'E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json';
    const site = tree({
      'sglang/__init__.py': '',
      'sglang/srt/layers/moe/moe_runner/triton_utils/fused_moe_triton_config.py': '',
      [`sglang/srt/layers/moe/moe_runner/triton_utils/configs/triton_3_5_1/${name}`]: JSON.stringify({ '1': entry(16, 32) }),
    });
    const override = tree({ [`configs/triton_3_5_1/${name}`]: JSON.stringify({ '1': entry(16, 256) }) });
    const args = ['configs', 'lookup', '--engine', 'sglang', '--python', 'python3', '--E', '8', '--N', '7168', '--device-name', 'NVIDIA H100 80GB HBM3', '--triton', '3.5.1', '--m', '1', '--json'];
    const a = memoryIo({ PATH: process.env.PATH, PYTHONPATH: site });
    expect(await main(args, a)).toBe(EXIT.ok);
    expect(JSON.parse(a.out)[0]).toMatchObject({ file: `srt/layers/moe/moe_runner/triton_utils/configs/triton_3_5_1/${name}`, config: { BLOCK_SIZE_N: 32 } });
    const b = memoryIo({ PATH: process.env.PATH, PYTHONPATH: site, SGLANG_MOE_CONFIG_DIR: override });
    expect(await main(args, b)).toBe(EXIT.ok);
    expect(JSON.parse(b.out)[0]).toMatchObject({ file: `configs/triton_3_5_1/${name}`, config: { BLOCK_SIZE_N: 256 } });
  });
});

describe('moe configs lookup with VLLM_TUNED_CONFIG_FOLDER', () => {
  it('reads the folder first, and skips it when it does not exist', async () => {
    const name = 'E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json';
    const shipped = tree({ [name]: JSON.stringify({ '1': entry(16, 32) }) });
    const user = tree({ [name]: JSON.stringify({ '1': entry(16, 256) }) });
    const args = ['configs', 'lookup', '--engine', 'vllm', '--dir', shipped, '--E', '8', '--N', '7168', '--device-name', 'NVIDIA H100 80GB HBM3', '--m', '1', '--json'];
    const a = memoryIo({ VLLM_TUNED_CONFIG_FOLDER: user });
    expect(await main(args, a)).toBe(EXIT.ok);
    expect(JSON.parse(a.out)[0]).toMatchObject({ file: `${realpathSync(user)}/${name}`, config: { BLOCK_SIZE_N: 256 } });
    const b = memoryIo({ VLLM_TUNED_CONFIG_FOLDER: path.join(user, 'missing') });
    expect(await main(args, b)).toBe(EXIT.ok);
    expect(JSON.parse(b.out)[0]).toMatchObject({ file: name, config: { BLOCK_SIZE_N: 32 } });
  });
});

describe('hostile input through the CLI: one line on stderr, exit 2, nothing written outside', () => {
  const NAME = 'E=8,N=128,device_name=NVIDIA_H100_80GB_HBM3.json';
  const good = `${JSON.stringify({ '1': entry(16, 32) }, null, 4)}\n`;
  const oneLine = (err: string) => {
    expect(err).toMatch(/^moe: /);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).not.toMatch(/\n\s+at /);
  };

  it('lookup: a file the engine would open through a link out of the tree', async () => {
    const outside = tree({ [NAME]: good });
    const dir = tree({ 'configs/triton_3_5_1/.keep': '' });
    symlinkSync(path.join(outside, NAME), path.join(dir, 'configs/triton_3_5_1', NAME));
    const r = await run(['configs', 'lookup', '--engine', 'sglang', '--dir', dir, '--E', '8', '--N', '128', '--device-name', 'NVIDIA H100 80GB HBM3', '--triton', '3.5.1', '--m', '1', '--json']);
    expect(r.code).toBe(EXIT.usage);
    oneLine(r.err);
    expect(r.err).toContain(`configs/triton_3_5_1/${NAME} is a symlink to`);
  });

  it.each([
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), /is not valid UTF-8 text/],
    ['huge', Buffer.alloc(2 * 1024 * 1024, 0x20), /over the 1048576-byte cap/],
    ['deeply nested', `${'['.repeat(100000)}${']'.repeat(100000)}`, /nests deeper than 32 levels/],
    ['a vLLM text key', JSON.stringify({ best: entry(16, 32) }), /"best" is not an integer: vLLM converts every key with int\(\)/],
    ['a vLLM top-level array', '[1, 2]', /the top level is a JSON array/],
  ])('lookup: a vLLM file that is %s', async (_what, text, message) => {
    const dir = tree({ [NAME]: '' });
    writeFileSync(path.join(dir, NAME), text);
    const r = await run(['configs', 'lookup', '--engine', 'vllm', '--dir', dir, '--E', '8', '--N', '128', '--device-name', 'NVIDIA H100 80GB HBM3', '--m', '1']);
    expect(r.code).toBe(EXIT.usage);
    oneLine(r.err);
    expect(r.err).toMatch(message);
  });

  it('install: a pack whose manifest lies is refused before anything is copied', async () => {
    const src = tree({ [`triton_3_5_1/${NAME}`]: good });
    const pack = path.join(tree({}), 'pack');
    expect((await run(['configs', 'pack', src, '--name', 'h100', '-o', pack])).code).toBe(EXIT.ok);
    const copy = path.join(pack, 'vllm', NAME);
    writeFileSync(copy, readFileSync(copy, 'utf8').replace('"BLOCK_SIZE_M": 16', '"BLOCK_SIZE_M": 128'));
    const into = tree({});
    const r = await run(['configs', 'install', pack, '--engine', 'vllm', '--into', into]);
    expect(r.code).toBe(EXIT.usage);
    oneLine(r.err);
    expect(r.err).toContain(`vllm/${NAME} is not a copy of configs/triton_3_5_1/${NAME}`);
    expect(existsSync(path.join(into, NAME))).toBe(false);
  });

  it('install: a target whose folder is a link out of the tree', async () => {
    const outside = tree({});
    const into = tree({});
    symlinkSync(outside, path.join(into, 'configs'));
    const src = tree({ [`triton_3_5_1/${NAME}`]: good });
    const r = await run(['configs', 'install', src, '--engine', 'sglang', '--into', into]);
    expect(r.code).toBe(EXIT.usage);
    oneLine(r.err);
    expect(r.err).toMatch(/resolves to .* outside/);
    expect(existsSync(path.join(outside, 'triton_3_5_1'))).toBe(false);
  });

  it('install: source names with .. or a backslash', async () => {
    for (const bad of ['E=8,N=128,device_name=..x.json', 'E=8,N=128,device_name=a\\b.json']) {
      const src = tree({ [bad]: good });
      const r = await run(['configs', 'install', src, '--engine', 'vllm', '--into', tree({})]);
      expect(r.code).toBe(EXIT.usage);
      oneLine(r.err);
      expect(r.err).toMatch(/contains '(\.\.|\\)'/);
    }
  });
});

describe('lookup agrees with ENGINES.md on a table of hand-worked cases (CLI, --json)', () => {
  // BLOCK_SIZE_N tags the folder a config came from; BLOCK_SIZE_M tags the batch key.
  const NAME = 'E=8,N=128,device_name=NVIDIA_H100_80GB_HBM3.json';
  const DOWN = 'E=8,N=128,device_name=NVIDIA_H100_80GB_HBM3_down.json';
  const UNSORTED = 'E=16,N=128,device_name=NVIDIA_H100_80GB_HBM3.json';
  const f = (entries: [string, unknown][]) => `{${entries.map(([k, v]) => `"${k}": ${JSON.stringify(v)}`).join(', ')}}\n`;
  const sg = tree({
    [`configs/triton_3_4_0/${NAME}`]: f([['1', entry(16, 64)], ['4', entry(32, 64)], ['16', entry(64, 64)], ['64', entry(128, 64)]]),
    [`configs/triton_3_6_0/${NAME}`]: f([['1', entry(16, 128)]]),
    [`configs/triton_3_10_0/${NAME}`]: f([['1', entry(16, 256)]]),
    [`configs/triton_3_4_0/${DOWN}`]: f([['1', { ...entry(64, 32), USE_TMA: true }], ['100', entry(256, 32)]]),
    [`configs/triton_3_4_0/${UNSORTED}`]: f([['16', entry(64, 64)], ['4', entry(32, 64)]]),
  });
  const lookup = async (args: string[]) => {
    const r = await run(['configs', 'lookup', '--device-name', 'NVIDIA H100 80GB HBM3', '--json', ...args]);
    expect(r.err).toBe('');
    return JSON.parse(r.out).map((x: { m: number; file: string | null; key: number | null; config: Record<string, unknown> }) => [x.m, x.file, x.key, x.config.BLOCK_SIZE_M, x.config.BLOCK_SIZE_N, x.config.USE_TMA]);
  };
  const T = (v: string) => `configs/triton_${v}/`;

  it('nearest key: absolute distance, ties to the smaller key (first in file order), above the largest the largest', async () => {
    expect(await lookup(['--engine', 'sglang', '--dir', sg, '--E', '8', '--N', '128', '--triton', '3.4.0', '--m', '1,2,3,10,11,40,41,100000'])).toEqual([
      [1, `${T('3_4_0')}${NAME}`, 1, 16, 64, undefined],
      [2, `${T('3_4_0')}${NAME}`, 1, 16, 64, undefined], // 1 away from 1, 2 from 4
      [3, `${T('3_4_0')}${NAME}`, 4, 32, 64, undefined],
      [10, `${T('3_4_0')}${NAME}`, 4, 32, 64, undefined], // 6 from 4 and from 16: the smaller
      [11, `${T('3_4_0')}${NAME}`, 16, 64, 64, undefined],
      [40, `${T('3_4_0')}${NAME}`, 16, 64, 64, undefined], // 24 from 16 and from 64: the smaller
      [41, `${T('3_4_0')}${NAME}`, 64, 128, 64, undefined],
      [100000, `${T('3_4_0')}${NAME}`, 64, 128, 64, undefined],
    ]);
    // Keys written 16 then 4: M = 10 is 6 from each, Python's min keeps the first in file order.
    expect(await lookup(['--engine', 'sglang', '--dir', sg, '--E', '16', '--N', '128', '--triton', '3.4.0', '--m', '10'])).toEqual([[10, `${T('3_4_0')}${UNSORTED}`, 16, 64, 64, undefined]]);
  });

  it('SGLang Triton folders: the running one first, then newest first by number, unbounded, skipping the running one', async () => {
    const at = async (triton: string[]) => (await lookup(['--engine', 'sglang', '--dir', sg, '--E', '8', '--N', '128', ...triton, '--m', '1']))[0][1];
    expect(await at(['--triton', '3.6.0'])).toBe(`${T('3_6_0')}${NAME}`);
    expect(await at(['--triton', '3.5.1'])).toBe(`${T('3_10_0')}${NAME}`); // 3.10 > 3.6 numerically
    expect(await at(['--triton', '3.1.0'])).toBe(`${T('3_10_0')}${NAME}`); // newer than the running one: still taken
    expect(await at([])).toBe(`${T('3_10_0')}${NAME}`);
    // --dir may also be the folder holding the triton_* folders.
    expect((await lookup(['--engine', 'sglang', '--dir', path.join(sg, 'configs'), '--E', '8', '--N', '128', '--triton', '3.4.0', '--m', '1']))[0][1]).toBe(`triton_3_4_0/${NAME}`);
  });

  it('down files: BLOCK_SIZE_M forced to the up entry\'s; a missing down file reuses the up config without TMA', async () => {
    expect(await lookup(['--engine', 'sglang', '--dir', sg, '--E', '8', '--N', '128', '--triton', '3.4.0', '--down', '--m', '1,100'])).toEqual([
      [1, `${T('3_4_0')}${DOWN}`, 1, 16, 32, true], // down entry 1 has BLOCK_M 64, up entry 1 has 16
      [100, `${T('3_4_0')}${DOWN}`, 100, 128, 32, undefined], // up: key 64 -> BLOCK_M 128
    ]);
    // Under 3.10.0 the up file comes from triton_3_10_0 (BLOCK_M 16), the down file falls back to 3_4_0.
    expect(await lookup(['--engine', 'sglang', '--dir', sg, '--E', '8', '--N', '128', '--triton', '3.10.0', '--down', '--m', '100'])).toEqual([[100, `${T('3_4_0')}${DOWN}`, 100, 16, 32, undefined]]);
    expect(await lookup(['--engine', 'sglang', '--dir', sg, '--E', '16', '--N', '128', '--triton', '3.4.0', '--down', '--m', '1'])).toEqual([[1, `${T('3_4_0')}${UNSORTED}`, 4, 32, 64, undefined]]);
  });

  it('vLLM: VLLM_TUNED_CONFIG_FOLDER first, H200 family named NVIDIA_H200, no Triton folders', async () => {
    const H200 = 'E=8,N=128,device_name=NVIDIA_H200.json';
    const shipped = tree({ [H200]: f([['triton_version', '3.3.0'], ['2', entry(16, 64)], ['8', entry(32, 64)]]), [`triton_3_4_0/E=8,N=64,device_name=NVIDIA_H200.json`]: f([['1', entry(16, 64)]]) });
    const user = tree({ [H200]: f([['512', entry(64, 64)]]) });
    const q = async (env: Record<string, string>, n: string, m: string) => {
      const io = memoryIo(env);
      expect(await main(['configs', 'lookup', '--engine', 'vllm', '--dir', shipped, '--E', '8', '--N', n, '--device-name', 'NVIDIA H200 NVL', '--m', m, '--json'], io)).toBe(EXIT.ok);
      return JSON.parse(io.out).map((x: { file: string | null; key: number | null; source: string }) => [x.source, x.file, x.key]);
    };
    expect(await q({}, '128', '4,5,6')).toEqual([['file', H200, 2], ['file', H200, 2], ['file', H200, 8]]);
    expect(await q({ VLLM_TUNED_CONFIG_FOLDER: user }, '128', '4')).toEqual([['file', `${realpathSync(user)}/${H200}`, 512]]);
    expect(await q({}, '64', '1')).toEqual([['default', null, null]]);
  });
});

describe('install follows the environment the engine reads', () => {
  const LFM2 = 'triton_3_5_1/E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json';

  it.runIf(hasPython)('SGLang with SGLANG_MOE_CONFIG_DIR set: installs into that folder, not the package it never reads', async () => {
    const site = tree({
      'sglang/__init__.py': '',
      'sglang/srt/layers/moe/moe_runner/triton_utils/fused_moe_triton_config.py': '',
      'sglang/srt/layers/moe/moe_runner/triton_utils/configs/triton_3_5_1/.keep': '',
    });
    const override = tree({});
    const io = memoryIo({ PATH: process.env.PATH, PYTHONPATH: site, SGLANG_MOE_CONFIG_DIR: override });
    const code = await main(['configs', 'install', path.join(SGLANG, LFM2), '--engine', 'sglang', '--python', 'python3', '--json'], io);
    expect(code).toBe(EXIT.ok);
    expect(io.err).toContain('SGLANG_MOE_CONFIG_DIR is set');
    expect(JSON.parse(io.out).actions[0]).toMatchObject({ action: 'write', target: `configs/${LFM2}` });
    expect(existsSync(path.join(override, 'configs', LFM2))).toBe(true);
    expect(existsSync(path.join(site, 'sglang/srt/layers/moe/moe_runner/triton_utils/configs', LFM2))).toBe(false);
  });

  it('vLLM: says when a file of the same name in VLLM_TUNED_CONFIG_FOLDER will be read instead', async () => {
    const name = 'E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json';
    const tuned = tree({ [name]: JSON.stringify({ '1': entry(16, 32) }) });
    const into = tree({});
    const io = memoryIo({ VLLM_TUNED_CONFIG_FOLDER: tuned });
    expect(await main(['configs', 'install', path.join(SGLANG, LFM2), '--engine', 'vllm', '--into', into], io)).toBe(EXIT.ok);
    expect(io.err).toContain(`${name} is shadowed: vLLM reads ${realpathSync(tuned)}/${name} first`);
    // Installing into the tuned folder itself is not shadowed by itself.
    const same = memoryIo({ VLLM_TUNED_CONFIG_FOLDER: tuned });
    await main(['configs', 'install', path.join(SGLANG, LFM2), '--engine', 'vllm', '--into', tuned, '--force'], same);
    expect(same.err).not.toContain('shadowed');
  });
});

describe('lookup text output', () => {
  it('shows fields a default leaves to the kernel as "later", never "undefined"', async () => {
    const dir = tree({});
    const r = await run(['configs', 'lookup', '--engine', 'vllm', '--dir', dir, '--E', '8', '--N', '999', '--device-name', 'NVIDIA H100 80GB HBM3', '--dtype', 'int4_w4a16', '--group-size', '128', '--topk', '2', '--m', '1']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).not.toContain('undefined');
    // M = 1: 1 x 2 / 8 <= 6, the CUDA wna16 kernel: BLOCK_M = min(16, 1), BLOCK_N/K/GROUP_M chosen by the kernel.
    expect(r.out).toMatch(/\n1\s+default\s+-\s+1\s+later\s+later\s+later\s+4\s+3\s+SPLIT_K=1\n/);
  });
});

describe('a folder named configs is the configs folder itself (SGLANG_MOE_CONFIG_DIR names its parent)', () => {
  const LFM2 = 'triton_3_5_1/E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json';
  const lookupArgs = (dir: string) => ['configs', 'lookup', '--engine', 'sglang', '--dir', dir, '--E', '32', '--N', '1792', '--device-name', 'NVIDIA H100 80GB HBM3', '--triton', '3.5.1', '--m', '16', '--json'];

  it('install into an empty configs folder writes configs/triton_X_Y_Z/, and lookup and doctor read it there', async () => {
    const parent = tree({});
    const configs = path.join(parent, 'configs');
    mkdirSync(configs);
    const io = memoryIo({});
    expect(await main(['configs', 'install', path.join(SGLANG, LFM2), '--engine', 'sglang', '--into', configs, '--json'], io)).toBe(EXIT.ok);
    expect(JSON.parse(io.out).actions[0]).toMatchObject({ action: 'write', target: LFM2 });
    expect(existsSync(path.join(configs, LFM2))).toBe(true);
    expect(existsSync(path.join(configs, 'configs'))).toBe(false);
    const l = memoryIo({});
    expect(await main(lookupArgs(configs), l)).toBe(EXIT.ok);
    expect(JSON.parse(l.out)[0]).toMatchObject({ source: 'file', file: LFM2, key: 16 });
    const d = memoryIo({});
    expect(await main(['configs', 'doctor', configs, '--engine', 'sglang', '--triton', '3.5.1'], d)).toBe(EXIT.ok);
    expect(d.out).toContain('1 file checked: 0 errors');
  });

  it.runIf(hasPython)('SGLANG_MOE_CONFIG_DIR naming an empty folder called configs: install and lookup use <it>/configs/, as SGLang does', async () => {
    const site = tree({ 'sglang/__init__.py': '', 'sglang/srt/layers/moe/moe_runner/triton_utils/fused_moe_triton_config.py': '' });
    const override = path.join(tree({}), 'configs');
    mkdirSync(override);
    const env = { PATH: process.env.PATH, PYTHONPATH: site, SGLANG_MOE_CONFIG_DIR: override };
    const io = memoryIo(env);
    expect(await main(['configs', 'install', path.join(SGLANG, LFM2), '--engine', 'sglang', '--python', 'python3', '--json'], io)).toBe(EXIT.ok);
    expect(existsSync(path.join(override, 'configs', LFM2))).toBe(true);
    const args = lookupArgs(override).filter((a, i, all) => a !== '--dir' && all[i - 1] !== '--dir');
    const l = memoryIo(env);
    expect(await main([...args, '--python', 'python3'], l)).toBe(EXIT.ok);
    expect(JSON.parse(l.out)[0]).toMatchObject({ source: 'file', file: `configs/${LFM2}` });
  });

  it('a folder holding both triton_* folders and configs/ is refused by lookup, doctor and install, naming the fix', async () => {
    const both = tree({ [LFM2]: readFileSync(path.join(SGLANG, LFM2), 'utf8'), [`configs/${LFM2}`]: readFileSync(path.join(SGLANG, LFM2), 'utf8') });
    for (const argv of [
      lookupArgs(both),
      ['configs', 'doctor', both, '--engine', 'sglang'],
      ['configs', 'install', path.join(SGLANG, LFM2), '--engine', 'sglang', '--into', both, '--triton', '3.6.0'],
    ]) {
      const io = memoryIo({});
      expect(await main(argv, io)).toBe(EXIT.usage);
      expect(io.err).toBe(`moe: ${both} holds both triton_* folders and a configs/ folder, so which one SGLang reads is unclear; pass ${both}/configs if SGLANG_MOE_CONFIG_DIR names ${both}, else move or remove its configs/ folder\n`);
    }
    expect(existsSync(path.join(both, 'triton_3_6_0'))).toBe(false);
    expect(existsSync(path.join(both, 'configs/triton_3_6_0'))).toBe(false);
  });
});
