export {RpcServer, type Method, type Service, type ServeOptions} from './server.js';
export {RpcClient, type RpcClientOptions} from './client.js';
export {RpcError, ShutdownError} from './errors.js';
export {GobStream, requestType, responseType, emptyStruct} from './codec.js';
