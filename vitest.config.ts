import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Tests that spawn bin/servesim.js or import dist/ need a current build; built once here, not per file.
    globalSetup: ['test/global-setup.ts'],
  },
});
