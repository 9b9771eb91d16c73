// Bundles the `moe` command for the GPU host (Node only, no npm install) into dist-gpu/ (beside
// dist/, so src/version.ts finds ../package.json): moe.js (src/cli.ts with every import inlined)
// and, beside it, @moe/tuner's measure worker, which `moe tune` starts from the folder of the
// running file. On the host, MOE_NATIVE_ADDON names the carried addon and MOE_KERNELS_DIR
// native/python (see packages/tuner/scripts/gpu-goal.sh).
import { gpuHostBundle } from '@moe/tsup-config';

export default gpuHostBundle({
  entry: { moe: 'src/cli.ts', 'measure-worker': '../tuner/src/gpu/measure-worker-main.ts' },
  outDir: 'dist-gpu',
});
