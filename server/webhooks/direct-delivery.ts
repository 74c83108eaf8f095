// Delivery as Mattermost does it: one POST per callback URL, no retry, no record;
// the reply (whatever its status) becomes posts; failures are log lines.

import type {PluginAPI} from '../mattermost/api.js';
import type {HttpClient} from '../net/http-client.js';
import {TimeoutError} from '../net/http-client.js';
import {DeliveryLogUnavailableError, type Delivery, type DeliveryService, type HookStats, type OutgoingJob} from './delivery.js';
import {errorMessage} from './errors.js';
import {newId} from './ids.js';
import {describeResponseFailure} from './responses.js';

export interface DirectDeliveryOptions {
  client: HttpClient;
  /** Read per request, so a settings change applies to the next callback. */
  timeoutMs: () => number;
  log: Pick<PluginAPI, 'logError' | 'logWarn' | 'logDebug'>;
  /** Receives every send in flight, so shutdown and tests can wait for them. */
  track?: (work: Promise<unknown>) => void;
}

export class DirectDelivery implements DeliveryService {
  constructor(private readonly options: DirectDeliveryOptions) {}

  async deliver(job: OutgoingJob): Promise<string> {
    const id = newId();
    const work = this.send(job);
    this.options.track?.(work);
    return id;
  }

  private async send(job: OutgoingJob): Promise<void> {
    const {log} = this.options;
    const fields = {hook_id: job.hook.id, url: job.url, event: job.event};
    let result;
    try {
      result = await this.options.client.request(job.url, {method: 'POST', headers: job.headers, body: job.body, timeoutMs: this.options.timeoutMs()});
    } catch (err) {
      if (err instanceof TimeoutError) log.logError('Outgoing webhook POST timed out. Consider increasing the outgoing request timeout in the Hookbridge settings.', {...fields, error: err.message});
      else log.logError('Outgoing webhook POST failed', {...fields, error: errorMessage(err)});
      return;
    }
    try {
      await job.onResponse({status: result.status, headers: result.headers, body: result.body});
    } catch (err) {
      log.logError('Failed to create the response post of an outgoing webhook', {...fields, status: result.status, error: describeResponseFailure(err)});
    }
  }

  async list(): Promise<Delivery[]> {
    throw new DeliveryLogUnavailableError();
  }

  async get(): Promise<Delivery | null> {
    throw new DeliveryLogUnavailableError();
  }

  async replay(): Promise<string> {
    throw new DeliveryLogUnavailableError();
  }

  async stats(): Promise<HookStats> {
    throw new DeliveryLogUnavailableError();
  }
}
