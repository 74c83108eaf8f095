export {RpcServer, type Method, type Service, type ServeOptions} from './server.js';
export {RpcClient} from './client.js';
export {RpcError, ShutdownError} from './errors.js';
export {GobStream, requestType, responseType, emptyStruct} from './codec.js';
