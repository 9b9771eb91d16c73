import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HubAccessDeniedError } from './errors/hub-access-denied-error';
import { HubUnreachableError } from './errors/hub-unreachable-error';
import { InvalidModelConfigError } from './errors/invalid-model-config-error';
import { ModelNotFoundError } from './errors/model-not-found-error';
import { hubCacheDir } from './hf-cache';
import { loadModelConfig } from './load-model-config';

const MIXTRAL_LIKE = { architectures: ['MixtralForCausalLM'], hidden_size: 1024, num_local_experts: 4, num_experts_per_tok: 2, intermediate_size: 2048 };
const SHA_MAIN = 'a'.repeat(40);
const SHA_V1 = 'b'.repeat(40);

/** A stand-in for the hub: serves /{org}/{name}/resolve/{rev}/config.json with Range support. */
interface FakeHub {
  url: string;
  requests: { url: string; authorization: string | undefined }[];
  files: Map<string, string>;
  status: number | null;
  server: Server;
}

async function startHub(): Promise<FakeHub> {
  const hub: FakeHub = { url: '', requests: [], files: new Map(), status: null, server: createServer() };
  hub.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    hub.requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    if (hub.status !== null) {
      res.writeHead(hub.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: `status ${hub.status}` }));
      return;
    }
    const body = hub.files.get(req.url ?? '');
    if (body === undefined) {
      res.writeHead(404, { 'X-Error-Code': 'EntryNotFound', 'Content-Type': 'text/plain' });
      res.end('Entry not found');
      return;
    }
    const bytes = Buffer.from(body);
    const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1;
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${bytes.length}`, ETag: '"etag1"', 'Content-Type': 'application/json' });
      res.end(bytes.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { ETag: '"etag1"', 'Content-Type': 'application/json', 'Content-Length': bytes.length });
    res.end(bytes);
  });
  await new Promise<void>((resolve) => hub.server.listen(0, '127.0.0.1', resolve));
  hub.url = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`;
  return hub;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Writes a model into a fake HF cache: refs/{ref} -> snapshots/{sha}/config.json. */
function cacheModel(cacheDir: string, repoId: string, ref: string, sha: string, config: unknown): string {
  const repoDir = path.join(cacheDir, `models--${repoId.replace('/', '--')}`);
  mkdirSync(path.join(repoDir, 'refs'), { recursive: true });
  writeFileSync(path.join(repoDir, 'refs', ref), sha);
  mkdirSync(path.join(repoDir, 'snapshots', sha), { recursive: true });
  const file = path.join(repoDir, 'snapshots', sha, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

let hub: FakeHub;
let tmp: string;
let cache: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  await new Promise<void>((resolve) => hub.server.close(() => resolve()));
});
beforeEach(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'moe-shapes-'));
  cache = path.join(tmp, 'hf-cache');
  mkdirSync(cache);
  hub.requests.length = 0;
  hub.files.clear();
  hub.status = null;
  // HF_HOME points nowhere, so no token saved on this machine is picked up.
  env = { HF_HUB_CACHE: cache, HF_ENDPOINT: hub.url, HF_HOME: path.join(tmp, 'no-hf-home') };
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('loadModelConfig from a path', () => {
  it('reads a config.json file, relative to cwd', async () => {
    writeFileSync(path.join(tmp, 'my.json'), JSON.stringify(MIXTRAL_LIKE));
    const loaded = await loadModelConfig('my.json', { env, cwd: tmp });
    expect(loaded).toEqual({ config: MIXTRAL_LIKE, origin: 'file', location: path.join(tmp, 'my.json') });
  });

  it('reads config.json from a model folder', async () => {
    mkdirSync(path.join(tmp, 'model'));
    writeFileSync(path.join(tmp, 'model', 'config.json'), JSON.stringify(MIXTRAL_LIKE));
    const loaded = await loadModelConfig(path.join(tmp, 'model'), { env });
    expect(loaded.origin).toBe('file');
    expect(loaded.location).toBe(path.join(tmp, 'model', 'config.json'));
  });

  it('an existing path wins over a catalog id of the same name', async () => {
    mkdirSync(path.join(tmp, 'LiquidAI', 'LFM2-8B-A1B'), { recursive: true });
    writeFileSync(path.join(tmp, 'LiquidAI', 'LFM2-8B-A1B', 'config.json'), JSON.stringify(MIXTRAL_LIKE));
    const loaded = await loadModelConfig('LiquidAI/LFM2-8B-A1B', { env, cwd: tmp });
    expect(loaded.origin).toBe('file');
    expect(loaded.config).toEqual(MIXTRAL_LIKE);
  });

  it('a folder without config.json, a missing file', async () => {
    mkdirSync(path.join(tmp, 'empty'));
    await expect(loadModelConfig(path.join(tmp, 'empty'), { env })).rejects.toThrow(ModelNotFoundError);
    await expect(loadModelConfig(path.join(tmp, 'empty'), { env })).rejects.toThrow(/the folder has no config.json; pass a Hugging Face model folder or its config.json/);
    await expect(loadModelConfig('./nope/config.json', { env, cwd: tmp })).rejects.toThrow(/^\.\/nope\/config.json: no such file or folder; pass an existing config.json/);
    expect(hub.requests).toHaveLength(0);
  });

  it('a config.json that cannot be read (a folder by that name) is named, not an internal error', async () => {
    mkdirSync(path.join(tmp, 'odd', 'config.json'), { recursive: true });
    const file = path.join(tmp, 'odd', 'config.json');
    const err = await loadModelConfig(path.join(tmp, 'odd'), { env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelNotFoundError);
    expect((err as Error).message).toBe(`${file}: cannot read it (EISDIR: it is a folder, not a file); pass a readable config.json or its model folder`);
    // Named directly, it is a folder without a config.json inside.
    await expect(loadModelConfig(file, { env })).rejects.toThrow(/config.json: the folder has no config.json/);
  });

  it('malformed JSON and non-object JSON', async () => {
    writeFileSync(path.join(tmp, 'bad.json'), '{"hidden_size": 1024,');
    await expect(loadModelConfig(path.join(tmp, 'bad.json'), { env })).rejects.toThrow(InvalidModelConfigError);
    await expect(loadModelConfig(path.join(tmp, 'bad.json'), { env })).rejects.toThrow(/bad.json: not valid JSON \(.*\); pass a Hugging Face config.json$/);
    writeFileSync(path.join(tmp, 'list.json'), '[1, 2]');
    await expect(loadModelConfig(path.join(tmp, 'list.json'), { env })).rejects.toThrow(/list.json: expected a JSON object, got an array/);
  });
});

describe('loadModelConfig from the local Hugging Face cache', () => {
  it('finds the cache folder like huggingface_hub does', () => {
    expect(hubCacheDir({ HF_HUB_CACHE: '/c' }, '/home/u')).toBe('/c');
    expect(hubCacheDir({ HF_HOME: '/h' }, '/home/u')).toBe(path.join('/h', 'hub'));
    expect(hubCacheDir({ XDG_CACHE_HOME: '/x' }, '/home/u')).toBe(path.join('/x', 'huggingface', 'hub'));
    expect(hubCacheDir({}, '/home/u')).toBe(path.join('/home/u', '.cache', 'huggingface', 'hub'));
  });

  it('honours the legacy HUGGINGFACE_HUB_CACHE and expands a leading ~ as huggingface_hub does', () => {
    expect(hubCacheDir({ HUGGINGFACE_HUB_CACHE: '/legacy', HF_HOME: '/h' }, '/home/u')).toBe('/legacy');
    expect(hubCacheDir({ HF_HUB_CACHE: '/c', HUGGINGFACE_HUB_CACHE: '/legacy' }, '/home/u')).toBe('/c');
    expect(hubCacheDir({ HF_HOME: '~/hf' }, '/home/u')).toBe(path.join('/home/u', 'hf', 'hub'));
    expect(hubCacheDir({ HF_HUB_CACHE: '~' }, '/home/u')).toBe('/home/u');
    expect(hubCacheDir({ XDG_CACHE_HOME: '~/xdg' }, '/home/u')).toBe(path.join('/home/u', 'xdg', 'huggingface', 'hub'));
  });

  it('reads refs/main -> snapshots/<sha>/config.json without touching the network', async () => {
    const file = cacheModel(cache, 'acme/tiny-moe', 'main', SHA_MAIN, MIXTRAL_LIKE);
    const loaded = await loadModelConfig('acme/tiny-moe', { env });
    expect(loaded).toEqual({ config: MIXTRAL_LIKE, origin: 'hub-cache', location: file });
    expect(hub.requests).toHaveLength(0);
  });

  it('honours a revision (a ref name or a commit hash) and HF_HOME', async () => {
    const home = path.join(tmp, 'hf-home');
    const hubDir = path.join(home, 'hub');
    cacheModel(hubDir, 'acme/tiny-moe', 'main', SHA_MAIN, MIXTRAL_LIKE);
    cacheModel(hubDir, 'acme/tiny-moe', 'v1', SHA_V1, { ...MIXTRAL_LIKE, num_local_experts: 16 });
    const homeEnv = { HF_HOME: home, HF_ENDPOINT: hub.url };
    expect((await loadModelConfig('acme/tiny-moe', { env: homeEnv, revision: 'v1' })).config.num_local_experts).toBe(16);
    expect((await loadModelConfig('acme/tiny-moe', { env: homeEnv, revision: SHA_V1 })).config.num_local_experts).toBe(16);
    expect((await loadModelConfig('acme/tiny-moe', { env: homeEnv })).config.num_local_experts).toBe(4);
    expect(hub.requests).toHaveLength(0);
  });

  it('the cached real file comes before the catalog for a catalog id', async () => {
    cacheModel(cache, 'LiquidAI/LFM2-8B-A1B', 'main', SHA_MAIN, { ...MIXTRAL_LIKE, note: 'cached' });
    const loaded = await loadModelConfig('LiquidAI/LFM2-8B-A1B', { env });
    expect(loaded.origin).toBe('hub-cache');
    expect(loaded.config.note).toBe('cached');
  });
});

describe('loadModelConfig from the catalog', () => {
  it('serves a known id offline and instantly, with no request', async () => {
    const loaded = await loadModelConfig('LiquidAI/LFM2-8B-A1B', { env });
    expect(loaded.origin).toBe('catalog');
    expect(loaded.location).toBe('catalog:LiquidAI/LFM2-8B-A1B');
    expect(loaded.config.moe_intermediate_size).toBe(1792);
    expect(loaded.unconfirmed).toBeUndefined();
    expect(hub.requests).toHaveLength(0);
  });

  it('a bare name that is not in the catalog suggests the ones like it', async () => {
    await expect(loadModelConfig('mixtral', { env })).rejects.toThrow(
      /^mixtral: not a catalog name \(catalog names like it: mistralai\/Mixtral-8x7B-v0.1, mistralai\/Mixtral-8x22B-v0.1\) and not in the local cache; pass a hub id as org\/name/,
    );
    expect(hub.requests).toHaveLength(0);
  });

  it('marks unconfirmed entries, and hands out a copy', async () => {
    const loaded = await loadModelConfig('MiniMaxAI/MiniMax-M1-40k', { env });
    expect(loaded.unconfirmed).toContain('num_local_experts');
    loaded.config.hidden_size = 1;
    expect((await loadModelConfig('MiniMaxAI/MiniMax-M1-40k', { env })).config.hidden_size).toBe(6144);
  });
});

describe('loadModelConfig from the hub (a local stand-in at HF_ENDPOINT)', () => {
  it('downloads config.json through @huggingface/hub with HF_TOKEN', async () => {
    hub.files.set('/acme/new-moe/resolve/main/config.json', JSON.stringify(MIXTRAL_LIKE));
    const loaded = await loadModelConfig('acme/new-moe', { env: { ...env, HF_TOKEN: 'hf_secret' } });
    expect(loaded).toEqual({ config: MIXTRAL_LIKE, origin: 'hub', location: `${hub.url}/acme/new-moe/resolve/main/config.json` });
    expect(hub.requests.length).toBeGreaterThan(0);
    expect(hub.requests.every((r) => r.authorization === 'Bearer hf_secret')).toBe(true);
    hub.requests.length = 0;
    await loadModelConfig('acme/new-moe', { env: { ...env, HF_TOKEN: 'mirror-token' } });
    expect(hub.requests.every((r) => r.authorization === 'Bearer mirror-token')).toBe(true);
    hub.requests.length = 0;
    await loadModelConfig('acme/new-moe', { env });
    expect(hub.requests.every((r) => r.authorization === undefined)).toBe(true);
  });

  it('without HF_TOKEN it uses the token `huggingface-cli login` saved, as huggingface_hub does', async () => {
    hub.files.set('/acme/gated-moe/resolve/main/config.json', JSON.stringify(MIXTRAL_LIKE));
    const home = path.join(tmp, 'hf-home');
    mkdirSync(home);
    writeFileSync(path.join(home, 'token'), 'hf_saved\n');
    const tokenOf = async (e: NodeJS.ProcessEnv) => {
      hub.requests.length = 0;
      await loadModelConfig('acme/gated-moe', { env: { ...e, HF_HUB_CACHE: cache, HF_ENDPOINT: hub.url } });
      return hub.requests[0]?.authorization;
    };
    expect(await tokenOf({ HF_HOME: home })).toBe('Bearer hf_saved');
    expect(await tokenOf({ HF_HOME: home, HF_TOKEN: 'hf_env' })).toBe('Bearer hf_env');
    expect(await tokenOf({ HF_HOME: home, HUGGING_FACE_HUB_TOKEN: 'hf_legacy' })).toBe('Bearer hf_legacy');
    writeFileSync(path.join(tmp, 'elsewhere'), 'hf_path');
    expect(await tokenOf({ HF_HOME: home, HF_TOKEN_PATH: path.join(tmp, 'elsewhere') })).toBe('Bearer hf_path');
    expect(await tokenOf({ HF_HOME: path.join(tmp, 'no-such-home') })).toBeUndefined();
  });

  it('a catalog name with a revision says the catalog has no revisions, not that it is unknown', async () => {
    await expect(loadModelConfig('LFM2-8B-A1B', { env, revision: 'v2' })).rejects.toThrow(
      /^LFM2-8B-A1B: the catalog has LiquidAI\/LFM2-8B-A1B but no revisions of it, and a bare name cannot go to the hub; drop `revision`, or pass the hub id LiquidAI\/LFM2-8B-A1B$/,
    );
    await expect(loadModelConfig('LiquidAI/LFM2-8B-A1B', { env, revision: 'v2', offline: true })).rejects.toThrow(
      /^LiquidAI\/LFM2-8B-A1B: not in the local Hugging Face cache \(.*, revision v2\); the catalog has it but no revisions of it \(drop `revision` to use it\); and offline mode \(HF_HUB_OFFLINE=1\) forbids the network/,
    );
    // An empty revision is no revision.
    expect((await loadModelConfig('LiquidAI/LFM2-8B-A1B', { env, revision: '' })).origin).toBe('catalog');
    expect(hub.requests).toHaveLength(0);
  });

  it('a revision skips the catalog and goes to that revision', async () => {
    hub.files.set('/LiquidAI/LFM2-8B-A1B/resolve/v2/config.json', JSON.stringify({ ...MIXTRAL_LIKE, num_local_experts: 12 }));
    const loaded = await loadModelConfig('LiquidAI/LFM2-8B-A1B', { env, revision: 'v2' });
    expect(loaded.origin).toBe('hub');
    expect(loaded.config.num_local_experts).toBe(12);
  });

  it('malformed JSON from the hub names the URL', async () => {
    hub.files.set('/acme/broken/resolve/main/config.json', 'not json');
    await expect(loadModelConfig('acme/broken', { env })).rejects.toThrow(InvalidModelConfigError);
    await expect(loadModelConfig('acme/broken', { env })).rejects.toThrow(/\/acme\/broken\/resolve\/main\/config.json: not valid JSON/);
  });

  it('a missing file (404) or an unknown repo', async () => {
    await expect(loadModelConfig('acme/ghost', { env })).rejects.toThrow(ModelNotFoundError);
    await expect(loadModelConfig('acme/ghost', { env })).rejects.toThrow(/^acme\/ghost: the hub has no config.json at revision main/);
  });

  it('gated or private (401/403) asks for HF_TOKEN', async () => {
    hub.status = 401;
    await expect(loadModelConfig('acme/gated', { env })).rejects.toThrow(HubAccessDeniedError);
    await expect(loadModelConfig('acme/gated', { env })).rejects.toThrow(/HTTP 401.*set HF_TOKEN/);
  });

  it('an unreachable hub gives one line naming the endpoint and the fix', async () => {
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}`;
    const err = await loadModelConfig('acme/far-away', { env: { ...env, HF_ENDPOINT: endpoint } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubUnreachableError);
    expect((err as Error).message).toMatch(new RegExp(`^acme/far-away: cannot reach the Hugging Face hub at ${endpoint} .*HF_ENDPOINT`));
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('a bad HF_ENDPOINT', () => {
  it('is named with the fix, before any request', async () => {
    for (const endpoint of ['hub.local', 'ftp://hub.local', 'http://']) {
      const err = await loadModelConfig('acme/anywhere', { env: { ...env, HF_ENDPOINT: endpoint } }).catch((e: unknown) => e);
      expect(err, endpoint).toBeInstanceOf(HubUnreachableError);
      expect((err as Error).message).toBe(
        `acme/anywhere: HF_ENDPOINT "${endpoint}" is not a URL; set HF_ENDPOINT to the hub's address, e.g. https://huggingface.co, or unset it`,
      );
    }
  });
});

describe('offline mode (HF_HUB_OFFLINE=1)', () => {
  it('never touches the network: cache and catalog work, anything else fails', async () => {
    const offline = { ...env, HF_HUB_OFFLINE: '1' };
    cacheModel(cache, 'acme/tiny-moe', 'main', SHA_MAIN, MIXTRAL_LIKE);
    hub.files.set('/acme/new-moe/resolve/main/config.json', JSON.stringify(MIXTRAL_LIKE));
    expect((await loadModelConfig('acme/tiny-moe', { env: offline })).origin).toBe('hub-cache');
    expect((await loadModelConfig('LiquidAI/LFM2-8B-A1B', { env: offline })).origin).toBe('catalog');
    await expect(loadModelConfig('acme/new-moe', { env: offline })).rejects.toThrow(ModelNotFoundError);
    await expect(loadModelConfig('acme/new-moe', { env: offline })).rejects.toThrow(/not in the local Hugging Face cache .* nor in the catalog, and offline mode \(HF_HUB_OFFLINE=1\) forbids the network/);
    await expect(loadModelConfig('acme/new-moe', { env, offline: true })).rejects.toThrow(ModelNotFoundError);
    expect(hub.requests).toHaveLength(0);
  });
});
