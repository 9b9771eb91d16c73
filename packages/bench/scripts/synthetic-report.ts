// Writes a report of SYNTHETIC, seeded data (no GPU): <out>/synthetic.html, .svg, .png, .json.
// Every page and plot of it says it is synthetic. For the browser check (check-report.mjs) and
// for looking at the report's layout.
//   npx tsx scripts/synthetic-report.ts [out-dir] [--seed n]
import path from 'node:path';
import { syntheticRecord } from '../src/synthetic';
import { writeReport } from '../src/report/write-report';
import { summarize } from '../src/summarize';
import { textReport } from '../src/report/text-report';

const args = process.argv.slice(2);
const seedAt = args.indexOf('--seed');
const seed = seedAt >= 0 ? Number(args[seedAt + 1]) : 0;
const out = path.resolve(args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--seed') ?? '.out/report');
const record = await syntheticRecord({ seed });
const paths = await writeReport(record, path.join(out, 'synthetic.html'));
if (args.includes('--print')) process.stdout.write(textReport(record, summarize(record)));
console.log(`synthetic report (seed ${seed}): ${paths.html}, ${paths.svg}, ${paths.png}, ${paths.json}`);
