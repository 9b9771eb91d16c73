import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { expandHome } from './expand-home';
import { readTextFile } from './read-text-file';

/**
 * The local Hugging Face hub cache folder, as huggingface_hub finds it: HF_HUB_CACHE, else the
 * legacy HUGGINGFACE_HUB_CACHE, else HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
 * ~/.cache/huggingface/hub; a leading ~ in any of them is the home folder.
 */
export function hubCacheDir(env: NodeJS.ProcessEnv, home: string = homedir()): string {
  const cache = env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE;
  if (cache) return expandHome(cache, home);
  return path.join(hfHomeDir(env, home), 'hub');
}

/** HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface (a leading ~ expanded). */
export function hfHomeDir(env: NodeJS.ProcessEnv, home: string = homedir()): string {
  if (env.HF_HOME) return expandHome(env.HF_HOME, home);
  return path.join(expandHome(env.XDG_CACHE_HOME || path.join(home, '.cache'), home), 'huggingface');
}

const COMMIT = /^[0-9a-f]{40}$/;

/**
 * The path of `file` of model `repoId` at `revision` in the hub cache, or null when it isn't
 * there: models--{org}--{name}/refs/{revision} holds the commit, snapshots/{commit}/{file} the
 * file (a commit hash as revision goes to its snapshot directly). Reads only; never writes.
 */
export function cachedModelFile(cacheDir: string, repoId: string, revision = 'main', file = 'config.json'): string | null {
  const repoDir = path.join(cacheDir, `models--${repoId.split('/').join('--')}`);
  let commit: string | null = null;
  if (COMMIT.test(revision)) commit = revision;
  else {
    const ref = path.join(repoDir, 'refs', ...revision.split('/'));
    if (!existsSync(ref)) return null;
    // A ref holds a 40-character commit; anything bigger (or a FIFO, a device) is refused unread.
    commit = readTextFile(ref, ref, 4096).trim();
    if (!commit) return null;
  }
  const candidate = path.join(repoDir, 'snapshots', commit, file);
  try {
    return statSync(candidate).isFile() ? candidate : null;
  } catch {
    return null;
  }
}
