import { describe, expect, it } from 'vitest';
import type { MessagesRequest } from '../../src/gateway/backend.js';
import { userTextOutsideBlocks } from '../../src/gateway/backends/read-prompt.js';

const OPEN = '<file path="src/example.ts">';
const CLOSE = `</file${':'}end>`;

function request(content: MessagesRequest['messages'][number]['content']): MessagesRequest {
  return { model: 'm', max_tokens: 10, messages: [{ role: 'user', content }] } as MessagesRequest;
}

describe('userTextOutsideBlocks', () => {
  // A spec that quotes an opening marker on a line of its own, without the closing line, as a genome may.
  const spec = `<spec path="spec/X-001.md">\n---\nid: X-001\n---\nA block opens with a line such as\n${OPEN}\n</spec>`;
  const task = `# Task: informed retry for generation 3\nstage: test\nexpected 41 to be 42 // marker-7\n${OPEN}\nconst x = 1;\n${CLOSE}\nafter the file`;

  it('keeps the task text when the spec block quotes a marker line (content blocks)', () => {
    const text = userTextOutsideBlocks(
      request([
        { type: 'text', text: spec },
        { type: 'text', text: task },
      ]),
    );
    expect(text).toContain('expected 41 to be 42 // marker-7');
    expect(text).toContain('after the file');
    expect(text).not.toContain('const x = 1;');
  });

  it('does the same for a plain string message', () => {
    const text = userTextOutsideBlocks(request(`${spec}\n${task}`));
    expect(text).toContain('expected 41 to be 42 // marker-7');
    expect(text).not.toContain('const x = 1;');
  });
});
