// What an outgoing request can fail with, besides the SSRF guard's refusal and socket errors.

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

export class ResponseTooLargeError extends Error {
  override name = 'ResponseTooLargeError';
}

export class RedirectError extends Error {
  override name = 'RedirectError';
}
