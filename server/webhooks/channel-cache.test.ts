import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {MemoryMattermost} from '../mattermost/memory.js';
import {ChannelCache} from './channel-cache.js';

describe('ChannelCache', () => {
  it('fresh() shares reads in flight and reuses a read no older than maxAgeMs', async () => {
    const mm = new MemoryMattermost();
    const team = mm.addTeam({Name: 'team'});
    const ch = mm.addChannel({TeamId: team.Id, Name: 'town', Type: 'O'});
    let t = 10_000;
    const cache = new ChannelCache(mm, 60_000, 100, () => t);
    const reads = (): number => mm.calls.filter((c) => c.method === 'GetChannel').length;
    const before = reads();
    const [a, b] = await Promise.all([cache.fresh(ch.Id), cache.fresh(ch.Id)]);
    assert.equal(a.Id, ch.Id);
    assert.equal(b, a);
    assert.equal(reads() - before, 1, 'one read for two concurrent callers');
    t += 1000;
    await cache.fresh(ch.Id, 1000);
    assert.equal(reads() - before, 1, 'a read 1 s old is fresh enough');
    t += 1;
    await cache.fresh(ch.Id, 1000);
    assert.equal(reads() - before, 2, 'older than that: read again');
    await cache.fresh(ch.Id);
    assert.equal(reads() - before, 3, 'without maxAgeMs every call reads');
  });
});
