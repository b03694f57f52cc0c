// Types outside the viewer draw themselves through Symbol.for('penjing.view'): a KV cache
// shows how full it is and its memory before its tensors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';
import { KVCache, KVCacheEntry } from '@penjing/transformer';
import { renderText } from '@penjing/viewer';

beforeAll(async () => {
  await nx.ready();
});

describe('view hooks of other packages', () => {
  it('a KV cache shows its fill and size first', () => {
    const entry = new KVCacheEntry({ keys: nx.zeros({ batch: 1, kv_seq: 4, projection: 2 }), values: nx.zeros({ batch: 1, kv_seq: 4, projection: 2 }) });
    const cache = new KVCache({ endIndex: 2, kvTokenPositions: nx.fromArray([[0, 1, -1, -1]], ['batch', 'kv_seq'], 'int32'), layers: [entry] });
    const lines = renderText(cache, { expand: 1 }).split('\n');
    expect(lines.slice(0, 3)).toEqual(['KVCache(', "  filled='2 of 4 slots',", `  bytes=${(8 + 8 + 4) * 4},`]);
    expect(lines[3]).toMatch(/^ {2}kvTokenPositions=<NamedArray int32\[batch:1, kv_seq:4\]/);
    cache.dispose();
  });
});
