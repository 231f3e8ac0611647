// CommonJS on purpose: Vite loads a .ts or .mjs config by writing a bundled copy into node_modules/.vite-temp,
// and node_modules is read-only in the test rig. A .cjs config is compiled in memory instead.
const os = require('node:os');
const path = require('node:path');

module.exports = {
  // Vite's cache defaults to node_modules/.vite, which is read-only in the rig.
  cacheDir: path.join(os.tmpdir(), 'cambrian-prime-vite'),
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 10000,
  },
};
