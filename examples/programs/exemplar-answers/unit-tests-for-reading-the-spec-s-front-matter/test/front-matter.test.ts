import { describe, expect, it } from 'vitest';
import { readFrontMatter } from '../src/spec.js';

describe('readFrontMatter', () => {
  it('reads quoted and bare values', () => {
    expect(readFrontMatter('---\nid: "A-001"\nversion: \'1.2.3\'\ntitle: plain\n---\nbody')).toEqual({
      id: 'A-001',
      version: '1.2.3',
      title: 'plain',
    });
  });

  it('skips a byte-order mark and CRLF line ends', () => {
    expect(readFrontMatter('\uFEFF---\r\nid: B-002\r\n---\r\n')).toEqual({ id: 'B-002' });
  });

  it('reads an unclosed front matter as empty', () => {
    expect(readFrontMatter('---\nid: C-003\nno closing line')).toEqual({});
  });

  it('reads a file without front matter as empty', () => {
    expect(readFrontMatter('# just a heading\n')).toEqual({});
  });
});
