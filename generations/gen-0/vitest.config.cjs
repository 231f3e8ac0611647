// CommonJS on purpose: Vite loads a .ts or .mjs config by first writing a bundled copy into
// node_modules/.vite-temp, which fails on a read-only node_modules. A .cjs config is loaded in memory.
const os = require('node:os');
const path = require('node:path');

module.exports = {
  // Vite's cache defaults to node_modules/.vite, which is read-only in the rig.
  cacheDir: path.join(os.tmpdir(), 'cambrian-prime-vite'),
  test: {
    // Only the TypeScript sources: dist/ also holds compiled copies of the tests, which would run twice.
    include: ['test/**/*.test.ts'],
    testTimeout: 10000,
  },
};
