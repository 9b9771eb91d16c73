import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** The version of @moe/kit, read from its package.json (works from src and from dist). */
export const VERSION: string = (require('../package.json') as { version: string }).version;
