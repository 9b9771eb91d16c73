// Bundled by compile-cache.test.ts and run as a separate process: writes one key many times
// with this process's own binary, as a second tuner process sharing MOE_CACHE_DIR would.
import { CompileCache } from '../compile-cache';
import { fakeCompileSuccess } from './compile-success';

const [dir, key, byteText, sizeText, timesText] = process.argv.slice(2);
const byte = Number(byteText);
const size = Number(sizeText);
const cache = new CompileCache(dir);
const result = fakeCompileSuccess({
  cacheKey: key!,
  kernel: 'moe_sum',
  binary: new Uint8Array(size).fill(byte),
  metadata: { name: `writer_${byte}`, shared: size },
});
for (let i = 0; i < Number(timesText); i += 1) await cache.put(key!, result);
