// One "node" of the delivery service in its own process, over the parent's store.
//   runner.ts <nodeId> <receiverUrl> <count> enqueue|resume
// enqueue: queues events 0..count-1 to the receiver, reporting each once stored;
// resume: only delivers what is queued. Runs until killed or told to stop.
import {createDurableDeliveryService} from '../service.js';
import {ipcApi, sendEvent, type ToChild} from './ipc-api.js';
import {httpSender, makeHook} from './support.js';

const [nodeId = 'node', url = '', countText = '0', mode = 'resume'] = process.argv.slice(2);
const api = ipcApi();
const sender = httpSender();
const service = createDurableDeliveryService({api, send: sender.send, nodeId, options: {leaseSeconds: 1, scanIntervalMs: 100, sweepIntervalMs: 3000, concurrency: 16, timeoutMs: 5000}});

process.on('message', (raw) => {
  if ((raw as ToChild).t !== 'stop') return;
  void service.stop(2000).then(() => {
    sender.close();
    process.disconnect();
  });
});

service.start();
sendEvent('started', {nodeId});
if (mode === 'enqueue') {
  const hook = makeHook({id: 'killtest', max_attempts: 5});
  const count = Number(countText);
  const window = 32;
  for (let base = 0; base < count; base += window) {
    await Promise.all(
      Array.from({length: Math.min(window, count - base)}, async (_, k) => {
        const n = base + k;
        const id = await service.deliver({hook, url, contentType: 'application/json', body: Buffer.from(JSON.stringify({n})), headers: {}, event: 'posted', post: {Id: `post${n}`}});
        sendEvent('enqueued', {n, id});
      }),
    );
  }
  sendEvent('all-enqueued', {count});
}
