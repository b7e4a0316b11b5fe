/** HTTP/1.1 for Kiln apps: a server (`serveHttp`) and a client (`httpRequest`) over the Flow signature. */
export { serveHttp, type Handler, type HttpServer, type ServeOptions } from './server.ts';
export { KilnRequest } from './request.ts';
export { KilnResponse, type ResponseInit } from './response.ts';
export { KilnHeaders, type HeadersInit } from './headers.ts';
export { KilnBody, type BodyInit } from './body.ts';
export { HttpError, type HttpErrorCode } from './errors.ts';
export { parseHttpUrl, type HttpUrl } from './url.ts';
export { HttpClient, httpRequest, type HttpClientOptions, type HttpRequestOptions } from './client.ts';
