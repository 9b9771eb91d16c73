import { homedir } from 'node:os';
import path from 'node:path';
import { expandHome } from './expand-home';
import { hfHomeDir } from './hf-cache';
import { readTextFile } from './read-text-file';

/**
 * The Hugging Face token, found as huggingface_hub finds it: HF_TOKEN, else the legacy
 * HUGGING_FACE_HUB_TOKEN, else the file `huggingface-cli login` saves (HF_TOKEN_PATH, else
 * HF_HOME/token). Undefined when there is none.
 */
export function hubToken(env: NodeJS.ProcessEnv, home: string = homedir()): string | undefined {
  const fromEnv = (env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN)?.trim();
  if (fromEnv) return fromEnv;
  const file = env.HF_TOKEN_PATH ? expandHome(env.HF_TOKEN_PATH, home) : path.join(hfHomeDir(env, home), 'token');
  try {
    // Capped and non-blocking: a FIFO or device at the token path is no token, not a hang.
    return readTextFile(file, file, 64 * 1024).trim() || undefined;
  } catch {
    return undefined;
  }
}
