// Bundles the GPU-host bench (gpu/bench-gpu.ts) into gpu/dist/bench-gpu.js (ignored by git): one
// file with every import inlined, so the GPU host (Node only, no npm install) runs it as is.
import { gpuHostBundle } from '@moe/tsup-config';

export default gpuHostBundle({ entry: { 'bench-gpu': 'gpu/bench-gpu.ts' }, outDir: 'gpu/dist' });
