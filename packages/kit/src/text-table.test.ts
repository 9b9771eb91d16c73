import { describe, expect, it } from 'vitest';
import { textTable } from './text-table';

describe('textTable', () => {
  it('pads each column to its widest cell and rules the header', () => {
    expect(textTable(['M', 'source'], [['1', 'file'], ['4096', 'default']])).toBe(
      ['M     source', '----  -------', '1     file', '4096  default'].join('\n'),
    );
  });
});
