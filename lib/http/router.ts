/**
 * A request router for `serveHttp`: routes by method and path pattern, with
 * path parameters, and the answers HTTP asks for when nothing fits
 * (RFC 9110): 404 when no route has the path, 405 with `Allow` when routes
 * have the path but not the method, `OPTIONS` answered with `Allow`, and
 * `HEAD` served by the `GET` route.
 *
 *     const router = new Router()
 *       .get('/notes', list)
 *       .get('/notes/:id', (request, { id }) => ...)
 *       .put('/notes/:id', save);
 *     serveHttp(listener, router.handler, { clock });
 *
 * Patterns are `/`-separated segments: a literal, `:name` (one non-empty
 * segment, percent-decoded, in `params.name`) or, last, `*` (the rest of the
 * path, possibly empty, in `params['*']`). Routes are tried in the order they
 * were added; the first whose pattern and method fit answers.
 */
import type { KilnRequest } from './request.ts';
import { KilnResponse } from './response.ts';

export type RouteParams = Record<string, string>;
export type RouteHandler = (request: KilnRequest, params: RouteParams) => KilnResponse | Promise<KilnResponse>;

type Segment = { literal: string } | { param: string } | { rest: true };

interface Route {
  method: string;
  pattern: string;
  segments: Segment[];
  handler: RouteHandler;
}

export class RoutePatternError extends Error {
  override name = 'RoutePatternError';
}

function compile(pattern: string): Segment[] {
  if (!pattern.startsWith('/')) throw new RoutePatternError(`route '${pattern}': a pattern starts with /`);
  const parts = pattern.split('/').slice(1);
  const names = new Set<string>();
  return parts.map((part, i): Segment => {
    if (part === '*') {
      if (i !== parts.length - 1) throw new RoutePatternError(`route '${pattern}': * may only be the last segment`);
      return { rest: true };
    }
    if (part.startsWith(':')) {
      const name = part.slice(1);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new RoutePatternError(`route '${pattern}': bad parameter name '${part}'`);
      if (names.has(name)) throw new RoutePatternError(`route '${pattern}': parameter '${name}' appears twice`);
      names.add(name);
      return { param: name };
    }
    return { literal: part };
  });
}

/** The parameters if `path` fits, else null; undefined when a parameter is not valid percent-encoding. */
function match(segments: Segment[], path: string): RouteParams | null | undefined {
  const parts = path.split('/').slice(1);
  const params: RouteParams = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if ('rest' in segment) {
      // `/files/*` fits `/files/` and below, not `/files`.
      if (i >= parts.length) return null;
      params['*'] = parts.slice(i).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return null;
    if ('literal' in segment) {
      if (part !== segment.literal) return null;
    } else {
      if (part === '') return null;
      try {
        params[segment.param] = decodeURIComponent(part);
      } catch {
        return undefined;
      }
    }
  }
  return parts.length === segments.length ? params : null;
}

export class Router {
  readonly #routes: Route[] = [];

  /** Adds a route for `method` (any token; `*` for every method). */
  on(method: string, pattern: string, handler: RouteHandler): this {
    this.#routes.push({ method: method === '*' ? '*' : method.toUpperCase(), pattern, segments: compile(pattern), handler });
    return this;
  }

  get(pattern: string, handler: RouteHandler): this {
    return this.on('GET', pattern, handler);
  }

  post(pattern: string, handler: RouteHandler): this {
    return this.on('POST', pattern, handler);
  }

  put(pattern: string, handler: RouteHandler): this {
    return this.on('PUT', pattern, handler);
  }

  patch(pattern: string, handler: RouteHandler): this {
    return this.on('PATCH', pattern, handler);
  }

  delete(pattern: string, handler: RouteHandler): this {
    return this.on('DELETE', pattern, handler);
  }

  /** Every method on this pattern. */
  all(pattern: string, handler: RouteHandler): this {
    return this.on('*', pattern, handler);
  }

  /** Answers one request; pass `router.handler` to `serveHttp`. */
  readonly handler = (request: KilnRequest): KilnResponse | Promise<KilnResponse> => this.handle(request);

  handle(request: KilnRequest): KilnResponse | Promise<KilnResponse> {
    const allowed = new Set<string>();
    // HEAD is GET without the body; the server leaves the body out (RFC 9110 section 9.3.2).
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    for (const route of this.#routes) {
      const params = match(route.segments, request.pathname);
      if (params === undefined) return new KilnResponse('bad percent-encoding in the path\n', { status: 400 });
      if (params === null) continue;
      if (route.method === '*' || route.method === method) return route.handler(request, params);
      allowed.add(route.method);
      if (route.method === 'GET') allowed.add('HEAD');
    }
    if (allowed.size === 0) return new KilnResponse('not found\n', { status: 404 });
    allowed.add('OPTIONS');
    const allow = [...allowed].sort().join(', ');
    if (request.method === 'OPTIONS') return new KilnResponse(null, { status: 204, headers: { allow } });
    // RFC 9110 section 15.5.6: a 405 lists the methods the resource has.
    return new KilnResponse(`method ${request.method} not allowed here\n`, { status: 405, headers: { allow } });
  }
}
