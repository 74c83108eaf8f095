// The durable service must plug into the domain's DeliveryService unchanged.
import assert from 'node:assert/strict';
import {it} from 'node:test';
import {MemoryMattermost} from '../mattermost/memory.js';
import type {Post} from '../mattermost/model.js';
import type {DeliveryService as DomainDeliveryService, OutgoingJob as DomainJob} from '../webhooks/delivery.js';
import type {OutgoingHook} from '../webhooks/model.js';
import {createDurableDeliveryService} from './service.js';

it("fits the domain's DeliveryService and hands its hook and post back to onResponse", async () => {
  const mm = new MemoryMattermost();
  const seen: {hook: OutgoingHook; post: Post}[] = [];
  const durable = createDurableDeliveryService<OutgoingHook, Post>({
    api: mm,
    nodeId: 'n',
    send: async () => ({status: 200, headers: {}, body: Buffer.from('{"text":"hi"}'), latencyMs: 1}),
    onResponse: (job) => void seen.push({hook: job.hook, post: job.post}),
  });
  const asDomain: DomainDeliveryService = durable;
  const hook = {id: 'h', creator_id: 'u', team_id: 't', display_name: 'd', max_attempts: 1, headers: {}, callback_urls: ['http://127.0.0.1:9/'], trigger_words: ['go'], token: 'tok'} as unknown as OutgoingHook;
  const job: DomainJob = {hook, url: 'http://127.0.0.1:9/', contentType: 'application/json', body: Buffer.from('{}'), headers: {}, event: 'posted', post: {Id: 'p', ChannelId: 'c', RootId: 'r', Message: 'go now'}, onResponse: async () => undefined};
  await asDomain.deliver(job);
  await durable.poll();
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.post.Message, 'go now');
  assert.deepEqual(seen[0]!.hook.trigger_words, ['go']);
});
