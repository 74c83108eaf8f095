// Hooks for tests: complete, valid, native-behaving unless told otherwise.

import type {DeliveryService, OutgoingJob} from './delivery.js';
import {newId} from './ids.js';
import {defaultMatch, type OutgoingHook} from './model.js';

const TEAM = 'team0000000000000000000001';

let seq = 0;
export function makeHook(over: Partial<OutgoingHook> = {}): OutgoingHook {
  seq++;
  return {
    id: newId(),
    token: newId(),
    create_at: seq,
    update_at: seq,
    delete_at: 0,
    creator_id: 'user0000000000000000000001',
    channel_id: '',
    team_id: TEAM,
    trigger_words: [],
    trigger_when: 0,
    callback_urls: ['http://example.com/hook'],
    display_name: `hook ${seq}`,
    description: '',
    content_type: 'application/json',
    username: '',
    icon_url: '',
    enabled: true,
    match: defaultMatch(),
    events: ['posted'],
    channel_types: ['O'],
    headers: {},
    max_attempts: 1,
    ...over,
  };
}

/** A delivery service that only records jobs. */
export class RecordingDelivery implements DeliveryService {
  readonly jobs: OutgoingJob[] = [];
  async deliver(job: OutgoingJob): Promise<string> {
    this.jobs.push(job);
    return `d${this.jobs.length}`;
  }
  async list(): Promise<never[]> {
    return [];
  }
  async get(): Promise<null> {
    return null;
  }
  async replay(): Promise<string> {
    return '';
  }
  async stats(): Promise<{buckets: never[]}> {
    return {buckets: []};
  }
}
