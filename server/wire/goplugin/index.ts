export {serve, type ServeConfig, type ServingPlugin} from './server.js';
export {PluginClient, type LaunchOptions} from './client.js';
export {MuxBroker, brokerAck} from './broker.js';
export {MATTERMOST_HANDSHAKE, parseHandshake, formatHandshake, type HandshakeConfig} from './handshake.js';
export {HclogLogger, formatHclogLine, hclogTimestamp, parseHclogLine, type Logger, type Level, type Fields} from './log.js';
export {readExactly} from './io.js';
