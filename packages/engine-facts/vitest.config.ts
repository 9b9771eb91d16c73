import { packageProject } from '@moe/vitest-config';

export default packageProject('engine-facts');
