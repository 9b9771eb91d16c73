import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT } from '../exit';
import { memoryIo } from '../io';
import { main } from '../main';

const device = vi.hoisted(() => ({ name: null as string | null }));
vi.mock('../local-device', () => ({ localDeviceName: async () => device.name }));

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const sglangConfigs = path.join(repoRoot, 'reference/sglang-configs');

/** Every SGLang config file name shipped in the reference tree. */
function shippedSglangNames(): Set<string> {
  const names = new Set<string>();
  for (const dir of readdirSync(sglangConfigs)) {
    const full = path.join(sglangConfigs, dir);
    if (dir.startsWith('triton_') && statSync(full).isDirectory()) for (const f of readdirSync(full)) names.add(f);
  }
  return names;
}

let tmp: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'moe-shapes-cli-'));
  mkdirSync(path.join(tmp, 'cache'));
  // No test reaches the network: an empty cache, and the hub pointed at a closed local port.
  env = { HF_HUB_CACHE: path.join(tmp, 'cache'), HF_ENDPOINT: 'http://127.0.0.1:9' };
  device.name = null;
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

async function run(argv: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const io = memoryIo({ ...env, ...extraEnv }, tmp);
  const code = await main(['shapes', ...argv], io);
  return { code, out: io.out, err: io.err };
}

function writeConfig(name: string, content: unknown): string {
  const file = path.join(tmp, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('moe shapes', () => {
  it('LFM2-8B-A1B at tp 1,2,4,8 on SGLang/H100 prints the four names SGLang ships', async () => {
    const { code, out, err } = await run(['LiquidAI/LFM2-8B-A1B', '--tp', '1,2,4,8', '--engine', 'sglang', '--device-name', 'NVIDIA H100 80GB HBM3']);
    expect(err).toBe('');
    expect(code).toBe(EXIT.ok);
    const expected = [
      'E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json',
      'E=32,N=896,device_name=NVIDIA_H100_80GB_HBM3.json',
      'E=32,N=448,device_name=NVIDIA_H100_80GB_HBM3.json',
      'E=32,N=224,device_name=NVIDIA_H100_80GB_HBM3.json',
    ];
    const shipped = shippedSglangNames();
    for (const name of expected) {
      expect(out).toContain(name);
      expect(shipped.has(name), name).toBe(true);
    }
    expect(out).toMatch(/^tp\s+ep\s+E\s+N\s+dtype\s+block\s+config file\s+down file$/m);
    expect(out).toMatch(/^8\s+1\s+32\s+224\s+-\s+-\s+E=32,N=224,device_name=NVIDIA_H100_80GB_HBM3\.json\s+E=32,N=224,device_name=NVIDIA_H100_80GB_HBM3_down\.json$/m);
  });

  it('--json prints one object per tp with exactly the documented keys', async () => {
    const { code, out } = await run(['mistralai/Mixtral-8x7B-v0.1', '--tp', '2,4', '--engine', 'vllm', '--device-name', 'NVIDIA H200 NVL', '--json']);
    expect(code).toBe(EXIT.ok);
    const rows = JSON.parse(out) as Record<string, unknown>[];
    expect(rows).toHaveLength(2);
    expect(Object.keys(rows[0] ?? {})).toEqual([
      'architecture', 'tp', 'ep', 'hidden', 'experts', 'topk', 'intermediate', 'localExperts', 'shardIntermediate', 'dtype', 'blockShape', 'configFile', 'downConfigFile',
    ]);
    expect(rows[0]).toEqual({
      architecture: 'MixtralForCausalLM', tp: 2, ep: 1, hidden: 4096, experts: 8, topk: 2, intermediate: 14336,
      localExperts: 8, shardIntermediate: 7168, dtype: null, blockShape: null,
      configFile: 'E=8,N=7168,device_name=NVIDIA_H200.json', downConfigFile: null,
    });
    expect(rows[1]?.shardIntermediate).toBe(3584);
  });

  it('DeepSeek-V3 on SGLang at tp 8: fp8 block names with the fused shared expert', async () => {
    const { out } = await run(['deepseek-ai/DeepSeek-V3', '--tp', '8', '--device-name', 'NVIDIA H200', '--json']);
    const [row] = JSON.parse(out) as Record<string, unknown>[];
    expect(row).toMatchObject({
      localExperts: 257, shardIntermediate: 256, dtype: 'fp8_w8a8', blockShape: [128, 128],
      configFile: 'E=257,N=256,device_name=NVIDIA_H200,dtype=fp8_w8a8,block_shape=[128, 128].json',
      downConfigFile: 'E=257,N=256,device_name=NVIDIA_H200,dtype=fp8_w8a8,block_shape=[128, 128]_down.json',
    });
  });

  it('without --device-name and no GPU the names keep {device}, and the table says so', async () => {
    const { code, out } = await run(['LiquidAI/LFM2-8B-A1B']);
    expect(code).toBe(EXIT.ok);
    expect(out).toContain('E=32,N=1792,device_name={device}.json');
    expect(out).toMatch(/file names keep the literal \{device\}; pass --device-name/);
  });

  it('without --device-name the local GPU name is used when there is one', async () => {
    device.name = 'NVIDIA H100 80GB HBM3';
    const { out } = await run(['LiquidAI/LFM2-8B-A1B', '--tp', '2', '--json']);
    expect((JSON.parse(out) as { configFile: string }[])[0]?.configFile).toBe('E=32,N=896,device_name=NVIDIA_H100_80GB_HBM3.json');
  });

  it('resolves a config.json of an architecture it has never seen, through the aliases', async () => {
    const file = writeConfig('config.json', {
      architectures: ['NeverSeenMoeForCausalLM'],
      text_config: { d_model: 3072, n_routed_experts: 96, moe_k: 6, expert_hidden_dim: 1536, intermediate_size: 12288, first_k_dense_replace: 2 },
    });
    const { code, out } = await run([file, '--tp', '1,4', '--engine', 'vllm', '--device-name', 'NVIDIA B200', '--json']);
    expect(code).toBe(EXIT.ok);
    const rows = JSON.parse(out) as Record<string, unknown>[];
    expect(rows.map((r) => [r.hidden, r.experts, r.topk, r.intermediate, r.shardIntermediate])).toEqual([
      [3072, 96, 6, 1536, 1536],
      [3072, 96, 6, 1536, 384],
    ]);
    expect(rows[1]?.configFile).toBe('E=96,N=384,device_name=NVIDIA_B200.json');
  });

  it('--experts/--topk/--intermediate overrides, and --ep', async () => {
    const file = writeConfig('dense.json', { architectures: ['LlamaForCausalLM'], hidden_size: 4096, intermediate_size: 14336 });
    const { code, out } = await run([file, '--experts', '8', '--topk', '2', '--intermediate', '14336', '--tp', '4', '--ep', '2', '--json']);
    expect(code).toBe(EXIT.ok);
    expect(JSON.parse(out)[0]).toMatchObject({ ep: 2, experts: 8, localExperts: 4, shardIntermediate: 7168 });
  });

  it('--revision reads that revision from the local Hugging Face cache', async () => {
    const repo = path.join(tmp, 'cache', 'models--acme--tiny-moe');
    const sha = 'c'.repeat(40);
    mkdirSync(path.join(repo, 'refs'), { recursive: true });
    writeFileSync(path.join(repo, 'refs', 'v2'), sha);
    mkdirSync(path.join(repo, 'snapshots', sha), { recursive: true });
    writeFileSync(
      path.join(repo, 'snapshots', sha, 'config.json'),
      JSON.stringify({ architectures: ['MixtralForCausalLM'], hidden_size: 1024, num_local_experts: 4, num_experts_per_tok: 2, intermediate_size: 512 }),
    );
    const { code, out } = await run(['acme/tiny-moe', '--revision', 'v2', '--json'], { HF_HUB_OFFLINE: '1' });
    expect(code).toBe(EXIT.ok);
    expect(JSON.parse(out)[0]).toMatchObject({ experts: 4, intermediate: 512 });
  });
});

describe('moe shapes on bad input: one line naming the input and the fix, exit 2', () => {
  async function expectUsageError(argv: string[], pattern: RegExp, extraEnv: NodeJS.ProcessEnv = {}) {
    const { code, out, err } = await run(argv, extraEnv);
    expect(code).toBe(EXIT.usage);
    expect(out).toBe('');
    expect(err.trimEnd()).toMatch(pattern);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).not.toMatch(/\n\s+at /);
  }

  it('malformed JSON', async () => {
    const file = writeConfig('broken.json', '{"num_experts": 8,');
    await expectUsageError([file], /^moe: .*broken\.json: not valid JSON .*; pass a Hugging Face config\.json$/);
  });

  it('a dense (non-MoE) config', async () => {
    const file = writeConfig('llama.json', { architectures: ['LlamaForCausalLM'], hidden_size: 4096, intermediate_size: 14336 });
    await expectUsageError([file], /^moe: .*llama\.json: not a Mixture-of-Experts model: no expert-count key found, looked for num_local_experts, .*--experts/);
  });

  it('a tp that does not divide', async () => {
    await expectUsageError(['LiquidAI/LFM2-8B-A1B', '--tp', '1,3'], /^moe: LiquidAI\/LFM2-8B-A1B: tp 3: its expert width 1792 does not split over tp\/ep = 3; valid tp values: 1, 2, 4, 8, 16, 32, 64$/);
  });

  it('an unknown engine or dtype, a bad --tp list', async () => {
    await expectUsageError(['LiquidAI/LFM2-8B-A1B', '--engine', 'trtllm'], /^moe: --engine trtllm: unknown engine; pass one of sglang, vllm$/);
    await expectUsageError(['LiquidAI/LFM2-8B-A1B', '--dtype', 'fp4'], /^moe: --dtype fp4: unknown dtype; pass one of auto, bf16, fp16, fp8_w8a8, int8_w8a8, int8_w8a16, int4_w4a16$/);
    await expectUsageError(['LiquidAI/LFM2-8B-A1B', '--tp', '1,two'], /^moe: --tp 1,two: not a comma-separated list of positive integers; pass e\.g\. --tp 1,2,4,8$/);
  });

  it('a missing file', async () => {
    await expectUsageError(['./missing/config.json'], /^moe: \.\/missing\/config\.json: no such file or folder; pass an existing config\.json/);
  });

  it('an unreachable hub', async () => {
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const { port } = s.address() as AddressInfo;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    await expectUsageError(['acme/not-cached'], new RegExp(`^moe: acme/not-cached: cannot reach the Hugging Face hub at http://127\\.0\\.0\\.1:${port} .*HF_ENDPOINT`), {
      HF_ENDPOINT: `http://127.0.0.1:${port}`,
    });
  });

  it('an empty --revision', async () => {
    await expectUsageError(['LiquidAI/LFM2-8B-A1B', '--revision', ''], /^moe: --revision: empty; pass a branch, tag or commit hash, or leave --revision out$/);
  });

  it('an HF_ENDPOINT that is not a URL', async () => {
    await expectUsageError(['acme/not-cached'], /^moe: acme\/not-cached: HF_ENDPOINT "hub\.local" is not a URL; set HF_ENDPOINT to the hub's address, e\.g\. https:\/\/huggingface\.co, or unset it$/, {
      HF_ENDPOINT: 'hub.local',
    });
  });

  it('offline with a model nowhere local', async () => {
    await expectUsageError(['acme/not-cached'], /^moe: acme\/not-cached: not in the local Hugging Face cache .*HF_HUB_OFFLINE=1/, { HF_HUB_OFFLINE: '1' });
  });

  it('--debug adds the stack trace', async () => {
    const io = memoryIo(env, tmp);
    expect(await main(['--debug', 'shapes', 'LiquidAI/LFM2-8B-A1B', '--engine', 'nope'], io)).toBe(EXIT.usage);
    expect(io.err).toMatch(/^moe: --engine nope: unknown engine/);
    expect(io.err).toMatch(/\n\s+at /);
  });
});
