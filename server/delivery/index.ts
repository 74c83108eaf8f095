// Durable, signed, retried and logged outgoing deliveries.
export {createDurableDeliveryService, type DurableDeliveryService, type DeliveryServiceDeps, type DeliveryServiceOptions} from './service.js';
export {DeliveryNotFoundError, DeliveryLog, LOG_RECORD_PREFIX, LOG_INDEX_PREFIX, STATS_PREFIX, type LogOptions} from './log.js';
export {DurableQueue, QueueFullError, JOB_PREFIX, LEASE_PREFIX, SHARD_PREFIX, type QueueOptions, type QueueRecord, type Handler, type HandlerResult} from './queue.js';
export {FailureTracker, FAILURE_COUNT_PREFIX, BOT, disabledMessage, type OnDisable} from './notify.js';
export {classifyError, classifyResponse, backoffDelay, parseRetryAfter, retryDelay, effectiveMaxAttempts, DEFAULT_MAX_ATTEMPTS, DEFAULT_RETRY_POLICY, type RetryPolicy, type Verdict} from './retry.js';
export {redactHeaders, redactUrl, storeBody, REDACTED} from './redact.js';
export {buildAttempt, mergeHeaders} from './request.js';
export type * from './types.js';
