import { packageConfig } from '@moe/tsup-config';

export default packageConfig({ entry: ['src/index.ts', 'src/cli.ts'] });
