import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidModelConfigError } from './errors/invalid-model-config-error';
import { ModelNotFoundError } from './errors/model-not-found-error';
import { loadModelConfig } from './load-model-config';
import { MAX_MODEL_CONFIG_BYTES } from './read-text-file';

// Issue #13 item 3: `moe shapes` read special files without limit (a FIFO hung it, /dev/zero
// grew to 8.4 GB). Each of these must be refused at once, with one line naming the path.

let tmp: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'moe-special-'));
  env = { HF_HUB_CACHE: path.join(tmp, 'no-cache'), HF_HOME: path.join(tmp, 'no-home'), HF_HUB_OFFLINE: '1' };
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const fail = (source: string) => loadModelConfig(source, { env, cwd: tmp }).then(
  () => {
    throw new Error(`${source} was accepted`);
  },
  (e: unknown) => e as Error,
);

describe('loadModelConfig refuses files that are not regular files, unread', () => {
  it('a FIFO (named pipe) with no writer: refused at once, not waited on', async () => {
    const fifo = path.join(tmp, 'config.json');
    execFileSync('mkfifo', [fifo]);
    const err = await fail(fifo);
    expect(err).toBeInstanceOf(ModelNotFoundError);
    expect(err.message).toBe(`${fifo}: is a FIFO (named pipe), not a file; pass a config.json or its model folder`);
    // Inside a model folder too.
    expect((await fail(tmp)).message).toBe(`${fifo}: is a FIFO (named pipe), not a file; pass a config.json or its model folder`);
  });

  it('/dev/zero and /dev/null are devices, not config files', async () => {
    const zero = await fail('/dev/zero');
    expect(zero).toBeInstanceOf(ModelNotFoundError);
    expect(zero.message).toBe('/dev/zero: is a character device, not a file; pass a config.json or its model folder');
    expect((await fail('/dev/null')).message).toBe('/dev/null: is a character device, not a file; pass a config.json or its model folder');
  });

  it('a 100 MB file (sparse, made at test time) is refused by its size, unread', async () => {
    const big = path.join(tmp, 'big.json');
    writeFileSync(big, '{');
    truncateSync(big, 100 * 1024 * 1024);
    const err = await fail(big);
    expect(err).toBeInstanceOf(InvalidModelConfigError);
    expect(err.message).toBe(`${big}: 104857600 bytes, over the ${MAX_MODEL_CONFIG_BYTES}-byte cap for a config.json (real ones are a few KB); pass the model's config.json`);
  });

  it('the cap is 16 MiB: a file just under it is read', async () => {
    expect(MAX_MODEL_CONFIG_BYTES).toBe(16 * 1024 * 1024);
    const file = path.join(tmp, 'padded.json');
    const body = '{"hidden_size": 1024}';
    writeFileSync(file, body + ' '.repeat(MAX_MODEL_CONFIG_BYTES - body.length));
    expect((await loadModelConfig(file, { env })).config).toEqual({ hidden_size: 1024 });
  });

  it('bytes that are not UTF-8 are refused, not read as replacement characters', async () => {
    const file = path.join(tmp, 'latin1.json');
    // {"model_type": "caf\xe9"}: 0xE9 alone is Latin-1, invalid UTF-8 (transformers opens config.json as UTF-8).
    writeFileSync(file, Buffer.concat([Buffer.from('{"model_type": "caf'), Buffer.from([0xe9]), Buffer.from('"}')]));
    const err = await fail(file);
    expect(err).toBeInstanceOf(InvalidModelConfigError);
    expect(err.message).toBe(`${file}: not UTF-8 text (byte 0xe9 at offset 19); pass the model's config.json as the hub serves it (UTF-8 JSON)`);
  });

  it('a symlink loop is named, not an internal error', async () => {
    const a = path.join(tmp, 'a.json');
    const b = path.join(tmp, 'b.json');
    execFileSync('ln', ['-s', b, a]);
    execFileSync('ln', ['-s', a, b]);
    const err = await fail(a);
    expect(err).toBeInstanceOf(ModelNotFoundError);
    expect(err.message).toBe(`${a}: cannot read it (ELOOP: a symlink loop); pass a readable config.json or its model folder`);
  });

  it('a FIFO where the hub cache keeps a ref is refused, not waited on', async () => {
    const refs = path.join(tmp, 'no-cache', 'models--org--m', 'refs');
    mkdirSync(refs, { recursive: true });
    execFileSync('mkfifo', [path.join(refs, 'main')]);
    const err = await fail('org/m');
    expect(err.message).toBe(`${path.join(refs, 'main')}: is a FIFO (named pipe), not a file; pass a config.json or its model folder`);
  });

  it('a folder named config.json keeps its own message', async () => {
    mkdirSync(path.join(tmp, 'm', 'config.json'), { recursive: true });
    const err = await fail(path.join(tmp, 'm'));
    expect(err.message).toBe(`${path.join(tmp, 'm', 'config.json')}: cannot read it (EISDIR: it is a folder, not a file); pass a readable config.json or its model folder`);
  });
});

describe('config.json as Python reads it (transformers uses json.loads)', () => {
  it('NaN and Infinity, which json.dumps writes, are read; a NaN where a width belongs is named', async () => {
    const file = path.join(tmp, 'nan.json');
    writeFileSync(file, '{"rope_scaling": {"factor": NaN}, "note": "NaN stays a string", "lim": -Infinity, "hidden_size": 4096}');
    const { config } = await loadModelConfig(file, { env });
    expect(Number.isNaN((config.rope_scaling as { factor: number }).factor)).toBe(true);
    expect(config.note).toBe('NaN stays a string');
    expect(config.lim).toBe(-Infinity);
    const { resolveMoeShape } = await import('./resolve-moe-shape');
    const cfg = (await loadModelConfig(file, { env })).config;
    Object.assign(cfg, { architectures: ['MixtralForCausalLM'], num_local_experts: 8, num_experts_per_tok: 2, intermediate_size: NaN });
    expect(() => resolveMoeShape(cfg, {}, { label: 'nan.json' })).toThrow('nan.json: intermediate_size = NaN is not a number; fix the config.json or pass `intermediate` <value>');
  });

  it('a byte order mark is refused, as json.loads refuses it', async () => {
    const file = path.join(tmp, 'bom.json');
    writeFileSync(file, '\ufeff{"hidden_size": 1}');
    const err = await fail(file);
    expect(err).toBeInstanceOf(InvalidModelConfigError);
    expect(err.message).toBe(`${file}: starts with a byte order mark (BOM), which Python's json.loads refuses; save it as UTF-8 without a BOM`);
  });

  it('a JSON error is one line, whatever text V8 quotes', async () => {
    const file = path.join(tmp, 'bad.json');
    writeFileSync(file, '{"a":\n\n tru\n}');
    const err = await fail(file);
    expect(err.message).not.toContain('\n');
    expect(err.message).toMatch(/^.*bad\.json: not valid JSON \(.*\); pass a Hugging Face config\.json$/);
  });
});
