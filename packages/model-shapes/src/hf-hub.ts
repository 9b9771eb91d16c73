import { HubAccessDeniedError } from './errors/hub-access-denied-error';
import { HubUnreachableError } from './errors/hub-unreachable-error';
import { ModelNotFoundError } from './errors/model-not-found-error';

export const DEFAULT_HUB_URL = 'https://huggingface.co';
const DEFAULT_TIMEOUT_MS = 20_000;

export interface HubFetchOptions {
  revision?: string;
  /** HF_ENDPOINT (default https://huggingface.co). */
  hubUrl?: string;
  /** HF_TOKEN. */
  accessToken?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

function causeText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) return `${err.message}: ${cause.message}`;
  return err.message;
}

/** The origin of an http(s) URL, or null when `url` is not one. */
function httpOrigin(url: string): string | null {
  if (!URL.canParse(url)) return null;
  const parsed = new URL(url);
  return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.host ? parsed.origin : null;
}

/** Downloads a model's file (config.json) from the hub through @huggingface/hub. */
export async function fetchHubFile(repoId: string, file: string, options: HubFetchOptions = {}): Promise<{ text: string; url: string }> {
  const hubUrl = (options.hubUrl || DEFAULT_HUB_URL).replace(/\/+$/, '');
  const revision = options.revision ?? 'main';
  const baseFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const hubOrigin = httpOrigin(hubUrl);
  if (hubOrigin === null) {
    throw new HubUnreachableError(
      `${repoId}: HF_ENDPOINT "${options.hubUrl}" is not a URL; set HF_ENDPOINT to the hub's address, e.g. ${DEFAULT_HUB_URL}, or unset it`,
    );
  }
  // The token goes in our own header (only to the hub's origin): @huggingface/hub would refuse
  // tokens that don't start with hf_, which mirrors behind HF_ENDPOINT may hand out.
  const timedFetch: typeof fetch = (input, init) => {
    const target = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers);
    if (options.accessToken && target.origin === hubOrigin) headers.set('Authorization', `Bearer ${options.accessToken}`);
    return baseFetch(input, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
  };
  const url = `${hubUrl}/${repoId}/resolve/${encodeURIComponent(revision)}/${file}`;
  let text: string;
  try {
    // Loaded on first use: commands that never reach the hub don't pay for it.
    const { downloadFile } = await import('@huggingface/hub');
    const blob = await downloadFile({
      repo: { type: 'model', name: repoId },
      path: file,
      revision,
      hubUrl,
      fetch: timedFetch,
      xet: false,
    });
    if (!blob) {
      throw new ModelNotFoundError(`${repoId}: the hub has no ${file} at revision ${revision} (${url}); check the model id and \`revision\``);
    }
    text = await blob.text();
  } catch (err) {
    if (err instanceof ModelNotFoundError) throw err;
    const status = (err as { statusCode?: unknown }).statusCode;
    if (status === 401 || status === 403) {
      throw new HubAccessDeniedError(
        `${repoId}: the hub at ${hubUrl} answered HTTP ${status}: the repository does not exist or is gated/private; check the id, or set HF_TOKEN to a token with access`,
      );
    }
    if (status === 404) {
      throw new ModelNotFoundError(`${repoId}: not found on the hub at ${hubUrl} (revision ${revision}); check the model id (org/name) and \`revision\``);
    }
    if (typeof status === 'number') {
      throw new HubUnreachableError(`${repoId}: the hub at ${hubUrl} answered HTTP ${status}; retry later, or pass a local config.json`);
    }
    throw new HubUnreachableError(
      `${repoId}: cannot reach the Hugging Face hub at ${hubUrl} (${causeText(err)}); check the network or HF_ENDPOINT, or pass a local config.json (HF_HUB_OFFLINE=1 uses only the local cache)`,
    );
  }
  return { text, url };
}
