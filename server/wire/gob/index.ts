export {Encoder, interfaceOf} from './encoder.js';
export {Decoder, decodeAll, type Decoded, type DecoderOptions} from './decoder.js';
export {GoTime} from './time.js';
export {
  GobError,
  GoComplex,
  GoInterface,
  GoMarshaled,
  goTypeString,
  t,
  timeType,
  typeKey,
  urlType,
  type GoType,
  type StructType,
  type StructField,
} from './types.js';
