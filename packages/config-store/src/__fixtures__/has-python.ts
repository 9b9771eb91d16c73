// One check for every package's tests: @moe/vitest-config/test-env.
export { hasPython } from '@moe/vitest-config/test-env';
