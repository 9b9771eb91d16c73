import { existsSync, lstatSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { findCatalogEntry, suggestCatalogIds } from './catalog';
import { InvalidModelConfigError } from './errors/invalid-model-config-error';
import { ModelNotFoundError } from './errors/model-not-found-error';
import { expandHome } from './expand-home';
import { cachedModelFile, hubCacheDir } from './hf-cache';
import { fetchHubFile } from './hf-hub';
import { hubToken } from './hf-token';
import { parsePythonJson } from './python-json';
import { readTextFile } from './read-text-file';
import type { LoadModelConfigOptions, LoadedModelConfig } from './types';

const configSchema = z.record(z.string(), z.unknown());
const REPO_ID = /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/;

function truthy(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());
}

/** Parses config.json text once, at the edge: valid JSON holding an object. */
export function parseModelConfig(text: string, label: string): Record<string, unknown> {
  // json.loads (what transformers uses) refuses a byte order mark too.
  if (text.charCodeAt(0) === 0xfeff) {
    throw new InvalidModelConfigError(`${label}: starts with a byte order mark (BOM), which Python's json.loads refuses; save it as UTF-8 without a BOM`);
  }
  let json: unknown;
  try {
    json = parsePythonJson(text);
  } catch (err) {
    // V8 quotes the text around the error, newlines included: keep the message on one line.
    const why = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
    throw new InvalidModelConfigError(`${label}: not valid JSON (${why}); pass a Hugging Face config.json`);
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    const got = Array.isArray(json) ? 'an array' : json === null ? 'null' : typeof json;
    throw new InvalidModelConfigError(`${label}: expected a JSON object, got ${got}; pass a Hugging Face config.json`);
  }
  return parsed.data;
}

function readConfigFile(file: string, label: string): Record<string, unknown> {
  return parseModelConfig(readTextFile(file, label), label);
}

/** True when something is at `p`, a broken symlink or a symlink loop included (existsSync says no to those). */
function present(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function isFolder(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function looksLikePath(source: string): boolean {
  return /^(\.{1,2}([/\\]|$)|[/\\~])/.test(source) || source.endsWith('.json') || source.includes('\\');
}

/**
 * Loads a model's config.json from, in this order:
 * 1. an existing path (a config.json or a model folder holding one);
 * 2. the local Hugging Face cache (HF_HUB_CACHE / HF_HOME / ~/.cache/huggingface/hub) at the
 *    revision (default main): the real file the user already has beats a summary;
 * 3. the embedded catalog (not when a revision is given: catalog entries have no revision);
 * 4. the hub, through @huggingface/hub (HF_ENDPOINT; HF_TOKEN or the token `huggingface-cli login`
 *    saved), unless offline
 *    (options.offline or HF_HUB_OFFLINE=1), in which case it never touches the network.
 */
export async function loadModelConfig(source: string, options: LoadModelConfigOptions = {}): Promise<LoadedModelConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const name = source.trim();
  if (!name) {
    throw new ModelNotFoundError('model: empty name; pass a config.json, a model folder, a hub id (org/name) or a catalog name');
  }

  // 1. A path.
  const candidate = path.resolve(cwd, expandHome(name));
  if (present(candidate)) {
    if (isFolder(candidate)) {
      const file = path.join(candidate, 'config.json');
      if (!existsSync(file)) {
        throw new ModelNotFoundError(`${name}: the folder has no config.json; pass a Hugging Face model folder or its config.json`);
      }
      return { config: readConfigFile(file, file), origin: 'file', location: file };
    }
    return { config: readConfigFile(candidate, name), origin: 'file', location: candidate };
  }
  if (looksLikePath(name) || !REPO_ID.test(name)) {
    throw new ModelNotFoundError(
      `${name}: no such file or folder; pass an existing config.json or model folder, a hub id (org/name) or a catalog name`,
    );
  }

  // 2. The local hub cache.
  const cacheDir = hubCacheDir(env);
  const revision = options.revision?.trim() || undefined;
  const cached = cachedModelFile(cacheDir, name, revision ?? 'main');
  if (cached) return { config: readConfigFile(cached, cached), origin: 'hub-cache', location: cached };

  // 3. The catalog.
  const entry = options.catalog !== false ? findCatalogEntry(name) : undefined;
  if (revision === undefined) {
    if (entry) {
      return {
        config: structuredClone(entry.config),
        origin: 'catalog',
        location: `catalog:${entry.id}`,
        ...(entry.unconfirmed.length > 0 ? { unconfirmed: [...entry.unconfirmed] } : {}),
      };
    }
  }

  // 4. The hub.
  // Here a catalog entry exists only when a revision kept us from it.
  const similar = suggestCatalogIds(name);
  const hint = similar.length > 0 ? ` (catalog names like it: ${similar.join(', ')})` : '';
  const offline = options.offline === true || truthy(env.HF_HUB_OFFLINE);
  if (offline) {
    const catalog = entry
      ? `; the catalog has ${entry.id === name ? 'it' : entry.id} but no revisions of it (drop \`revision\` to use it);`
      : ` nor in the catalog${hint},`;
    throw new ModelNotFoundError(
      `${name}: not in the local Hugging Face cache (${cacheDir}${revision ? `, revision ${revision}` : ''})${catalog} and offline mode (HF_HUB_OFFLINE=1) forbids the network; download its config.json first or unset HF_HUB_OFFLINE`,
    );
  }
  if (!name.includes('/')) {
    throw new ModelNotFoundError(
      entry
        ? `${name}: the catalog has ${entry.id} but no revisions of it, and a bare name cannot go to the hub; drop \`revision\`, or pass the hub id ${entry.id}`
        : `${name}: not a catalog name${hint} and not in the local cache; pass a hub id as org/name, a config.json or a model folder`,
    );
  }
  const token = hubToken(env);
  const { text, url } = await fetchHubFile(name, 'config.json', {
    ...(revision ? { revision } : {}),
    ...(env.HF_ENDPOINT ? { hubUrl: env.HF_ENDPOINT } : {}),
    ...(token ? { accessToken: token } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return { config: parseModelConfig(text, url), origin: 'hub', location: url };
}
