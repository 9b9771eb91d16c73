import { packageConfig } from '@moe/tsup-config';

export default packageConfig();
