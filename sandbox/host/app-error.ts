// model.AppError and plugin.ErrorString as the API returns them. *model.AppError
// return fields are concrete structs; `error` fields are interfaces holding one of
// the two registered types (client_rpc.go encodableError).

import {GoInterface} from '../../server/wire/gob/index.js';
import {AppError} from '../../server/mattermost/api.js';
import {errorStringType} from './shapes.js';

export interface GoAppError {
  Id: string;
  Message: string;
  DetailedError: string;
  RequestId: string;
  StatusCode: number;
  Where: string;
}

export function appError(where: string, id: string, message: string, detailedError: string, statusCode: number): GoAppError {
  return {Id: id, Message: message, DetailedError: detailedError, RequestId: '', StatusCode: statusCode, Where: where};
}

/** Any thrown value as an AppError: AppErrors keep their fields, the rest become a 500. */
export function toGoAppError(err: unknown, where: string): GoAppError {
  if (err instanceof AppError) return appError(err.where || where, err.id, err.message, err.detailedError, err.statusCode);
  const message = err instanceof Error ? err.message : String(err);
  return appError(where, 'app.sandbox.internal_error', 'An internal error occurred.', message, 500);
}

/** A plain Go error (errors.New) travelling in an `error` interface field. */
export function errorString(message: string): GoInterface {
  return new GoInterface('*plugin.ErrorString', errorStringType, {Err: message});
}
