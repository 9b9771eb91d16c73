// Bundled by compile-cache.test.ts and run as a separate process: reads and writes the same keys
// as another process sharing the cache folder, as two tuners on one MOE_CACHE_DIR do, and
// checks every read: a hit must be one writer's whole result, a miss may only be "no entry" (a
// stale or torn entry would mean the two processes corrupted each other). Prints a JSON summary.
import { CompileCache } from '../compile-cache';
import { fakeCompileSuccess } from './compile-success';

const [dir, byteText, roundsText, keysText] = process.argv.slice(2);
const byte = Number(byteText);
const keys = keysText!.split(',');
const cache = new CompileCache(dir);
/** Writer 0xAA writes 64 KiB binaries, 0xBB 96 KiB: a mixed or torn binary shows in its length. */
const sizeOf = (b: number) => (b === 0xaa ? 64 : 96) * 1024;
const mine = (key: string) =>
  fakeCompileSuccess({
    cacheKey: key,
    kernel: 'moe_sum',
    binary: new Uint8Array(sizeOf(byte)).fill(byte),
    metadata: { name: `writer_${byte}`, shared: sizeOf(byte) },
  });

const bad: string[] = [];
let hits = 0;
for (let round = 0; round < Number(roundsText); round += 1) {
  for (let i = 0; i < keys.length; i += 1) {
    // The two processes walk the keys from opposite ends, so they meet on every key.
    const key = keys[byte === 0xaa ? i : keys.length - 1 - i]!;
    const read = await cache.read(key);
    if (read.result === null) {
      if (read.miss !== 'no entry') bad.push(`${key.slice(0, 4)}: ${read.miss}`);
    } else if (!read.result.ok) {
      bad.push(`${key.slice(0, 4)}: a failure entry`);
    } else {
      hits += 1;
      const r = read.result;
      const b = r.binary[0]!;
      const whole = (b === 0xaa || b === 0xbb) && r.binary.length === sizeOf(b) && r.binary.every((x) => x === b);
      if (!whole || r.metadata.name !== `writer_${b}` || r.metadata.shared !== sizeOf(b)) {
        bad.push(`${key.slice(0, 4)}: a mixed result (binary of ${r.binary.length} bytes starting ${b}, metadata of ${r.metadata.name})`);
      }
    }
    await cache.put(key, mine(key));
  }
}
process.stdout.write(`${JSON.stringify({ hits, bad })}\n`);
