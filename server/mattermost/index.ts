export {AppError, type PluginAPI, type Permission, type KVSetOptions, type LogFields, type ClusterEventSendOptions} from './api.js';
export {MemoryMattermost, newId, type Call, type PublishedEvent, type LoggedLine} from './memory.js';
export {hooksService, encodableError, type PluginHooks} from './hooks.js';
export {runPlugin} from './runtime.js';
export {RpcPluginAPI, hostError} from './rpc-api.js';
export {canonicalHeaderKey, readBody, sendJSON, BodyTooLargeError, type PluginRequest, type PluginResponse, type HeaderMap} from './http.js';
export * from './model.js';
export {fakeRequest, CapturedResponse, type FakeRequestInit} from './testing.js';
