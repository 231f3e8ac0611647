import type { FailStage } from '../../evolve/landscape.js';
import { FAULT_TEST_PATH, FAULT_TEST_SOURCE } from './exemplar-faults.js';
import type { ReplyFile } from './render-file-blocks.js';

/**
 * The entry file both the Prime and MINIMAL-SPEC-001 start (`node dist/src/main.js`): the start and health faults
 * replace it, so the artifact builds and passes its tests and only the live stages see the fault.
 */
export const FAULT_ENTRY_PATH = 'src/main.ts';
/** A file with a type error the build stage's `tsc` refuses (every `src/` file is compiled). */
export const FAULT_BUILD_PATH = 'src/cambrian-build-fault.ts';

const BUILD_FAULT_SOURCE = `// Injected by the exemplar backend (landscape failure stage build): tsc refuses the assignment.
export const cambrianBuildFault: number = 'cambrian-build-fault';
`;
const START_FAULT_SOURCE = `// Injected by the exemplar backend (landscape failure stage start): the process ends before it listens.
console.error('cambrian injected fault: exiting before listening');
process.exit(3);
`;
const HEALTH_FAULT_SOURCE = `import http from 'node:http';

// Injected by the exemplar backend (landscape failure stage health): the port accepts connections, and every
// request's socket is closed without an answer.
const server = http.createServer((request) => {
  request.socket.destroy();
});
server.listen(Number(process.env.CAMBRIAN_PORT ?? '8080'), '127.0.0.1');
`;

const FAULT_FILES: Record<FailStage, ReplyFile> = {
  build: { path: FAULT_BUILD_PATH, content: BUILD_FAULT_SOURCE },
  test: { path: FAULT_TEST_PATH, content: FAULT_TEST_SOURCE },
  start: { path: FAULT_ENTRY_PATH, content: START_FAULT_SOURCE },
  health: { path: FAULT_ENTRY_PATH, content: HEALTH_FAULT_SOURCE },
};

/** The reply's files with the one file that makes the artifact fail at `stage` added, or put in place of its own. */
export function applyStageFault(files: readonly ReplyFile[], stage: FailStage): ReplyFile[] {
  const fault = FAULT_FILES[stage];
  return [...files.filter((file) => file.path !== fault.path), fault];
}
