import { packageConfig } from '@moe/tsup-config';

// index: the library; measure-worker: the GPU measure worker `moe tune` spawns per GPU.
export default packageConfig({ entry: { index: 'src/index.ts', 'measure-worker': 'src/gpu/measure-worker-main.ts' } });
