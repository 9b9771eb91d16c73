// Progress of a GPU run on stderr, only on a terminal: one bar per GPU (its measurements done of
// the run's estimate, configs per second, ETA) and a line with the best so far per batch size
// (µs of the up GEMM's best, then the down's). Off a terminal nothing is drawn (logs and --json
// stay clean); the summary at the end says what happened.
import cliProgress from 'cli-progress';
import { estimateTune, type TuneProgress } from '@moe/tuner';
import type { CliIo } from '../../io';
import type { TunePlan } from './plan';

export interface Progress {
  update(e: TuneProgress): void;
  stop(): void;
}

const NONE: Progress = { update: () => undefined, stop: () => undefined };

export function createProgress(io: CliIo, gpus: number[], plan: TunePlan, _json: boolean): Progress {
  if (!io.stderrIsTTY) return NONE;
  const total = plan.units.reduce(
    (s, u) => s + estimateTune({ shape: u.shape, batchSizes: u.batchSizes, candidates: u.candidates.length, grid: 1920, strategy: plan.strategy, ...(plan.budget !== undefined ? { budget: plan.budget } : {}), gpus: gpus.length }).measurements,
    0,
  );
  const perGpu = Math.max(1, Math.ceil(total / gpus.length));
  const multi = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: '{label} [{bar}] {value}/{total} | {rate}/s | ETA {eta_formatted} | {info}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      etaBuffer: 200,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  const bars = new Map(gpus.map((g) => [g, { bar: multi.create(perGpu, 0, { label: `GPU ${g}`, rate: '0.0', info: '' }), done: 0 }]));
  const best = multi.create(1, 0, { label: 'best  ', rate: '', info: '' }, { format: '{label} {info}' });
  const bestUs = new Map<string, number>();
  let replayed = 0;
  const showBest = () => {
    const ms = [...new Set([...bestUs.keys()].map((k) => Number(k.split(':')[1])))].sort((a, b) => a - b);
    const cells = ms.map((M) => `${M}:${fmt(bestUs.get(`up:${M}`))}/${fmt(bestUs.get(`down:${M}`))}`);
    best.update(0, { info: `µs up/down per M  ${cells.join(' ')}${replayed ? `  (${replayed} from the journal)` : ''}` });
  };
  return {
    update(e) {
      if (e.type === 'pool' && e.event.type === 'done') {
        const b = bars.get(e.event.gpu);
        if (!b) return;
        b.done += 1;
        if (b.done > b.bar.getTotal()) b.bar.setTotal(b.done);
        const rate = b.done / Math.max(0.001, (Date.now() - started) / 1000);
        b.bar.update(b.done, { rate: rate.toFixed(1), info: '' });
      } else if (e.type === 'pool' && (e.event.type === 'died' || e.event.type === 'dropped')) {
        bars.get(e.event.gpu)?.bar.update({ info: e.event.type === 'died' ? 'worker died: restarting' : `dropped: ${e.event.message}` });
      } else if (e.type === 'unit' && e.phase === 'self-check') {
        best.update(0, { info: "engine self-check: the engine's own launch next to MoE Kit's, one config per BLOCK_SIZE_M and GEMM" });
      } else if (e.type === 'measured' && e.us !== null) {
        if (e.replayed) replayed += 1;
        const k = `${e.gemm}:${e.M}`;
        if (e.us < (bestUs.get(k) ?? Infinity)) bestUs.set(k, e.us);
        showBest();
      }
    },
    stop() {
      multi.stop();
    },
  };
}

function fmt(us: number | undefined): string {
  return us === undefined ? '-' : us.toFixed(1);
}
