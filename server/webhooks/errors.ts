// The one error type the domain throws: an HTTP status, a stable id, a message a
// person can act on, and (for validation) the JSON key that is wrong.

export class HookError extends Error {
  override name = 'HookError';

  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
    readonly field?: string,
    readonly detailedError = '',
  ) {
    super(message);
  }

  static badRequest(id: string, message: string, field?: string): HookError {
    return new HookError(400, id, message, field);
  }

  static forbidden(id: string, message: string, field?: string): HookError {
    return new HookError(403, id, message, field);
  }

  static notFound(id: string, message: string): HookError {
    return new HookError(404, id, message);
  }

  static disabled(kind: 'incoming' | 'outgoing'): HookError {
    return new HookError(501, `api.${kind}_webhook.disabled.app_error`, `${kind === 'incoming' ? 'Incoming' : 'Outgoing'} webhooks have been disabled by the system admin.`);
  }

  /** Mattermost's permission error (api.context.permissions.app_error). */
  static permission(userId: string, permission: string): HookError {
    return new HookError(403, 'api.context.permissions.app_error', 'You do not have the appropriate permissions.', undefined, `userId=${userId}, permission=${permission}`);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
