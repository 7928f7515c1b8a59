import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Every test server binds 127.0.0.1 on port 0; nothing leaves loopback.
    pool: 'forks',
  },
});
