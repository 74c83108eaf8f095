export {HttpClient, oneShotTransport, pooledTransport, parseHttpURL, TimeoutError, ResponseTooLargeError, RedirectError, USER_AGENT, DEFAULT_MAX_RESPONSE_BYTES, type Transport, type TransportRequest, type TransportResponse, type HttpResponse, type RequestOptions} from './http-client.js';
export {AllowList, SsrfGuard, ForbiddenAddressError, ResolveError, systemResolver, ownInterfaceAddresses, type Resolver, type ResolvedAddress} from './ssrf.js';
export {parseIP, parseCIDR, internalReason, formatIP} from './ip.js';
