// Root vitest: `npx vitest` here runs every package's project (tests live beside the sources).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'native'],
  },
});
