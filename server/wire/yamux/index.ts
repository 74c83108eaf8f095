export {YamuxSession, SessionClosedError, type SessionOptions} from './session.js';
export {YamuxStream, StreamResetError} from './stream.js';
export {Flag, FrameType, GoAwayCode, ProtocolError, encodeHeader, decodeHeader, HEADER_SIZE} from './frame.js';
