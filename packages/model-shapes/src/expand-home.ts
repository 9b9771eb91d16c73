import { homedir } from 'node:os';
import path from 'node:path';

/** `~` or `~/...` -> the home folder (as a shell and huggingface_hub expand it); anything else unchanged. */
export function expandHome(p: string, home: string = homedir()): string {
  return p === '~' || p.startsWith('~/') ? path.join(home, p.slice(1)) : p;
}
