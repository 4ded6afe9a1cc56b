// The dashboard's HTTP server: one page, its static assets (the chart library comes from
// node_modules, never a CDN), a JSON snapshot and a server-sent-events stream of changes.
// Read-only; bound to 127.0.0.1 unless told otherwise.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../logger.ts';
import type { LiveDashboard, Sections } from './live.ts';

const PUBLIC_DIR = path.join(import.meta.dirname, 'public');
const require = createRequire(import.meta.url);

interface Asset {
  body: Buffer;
  type: string;
}

function loadAssets(): Map<string, Asset> {
  const file = (p: string, type: string): Asset => ({ body: readFileSync(p), type });
  return new Map([
    ['/', file(path.join(PUBLIC_DIR, 'index.html'), 'text/html; charset=utf-8')],
    ['/static/app.js', file(path.join(PUBLIC_DIR, 'app.js'), 'text/javascript; charset=utf-8')],
    ['/static/app.css', file(path.join(PUBLIC_DIR, 'app.css'), 'text/css; charset=utf-8')],
    ['/static/vendor/uPlot.iife.min.js', file(require.resolve('uplot/dist/uPlot.iife.min.js'), 'text/javascript; charset=utf-8')],
    ['/static/vendor/uPlot.min.css', file(require.resolve('uplot/dist/uPlot.min.css'), 'text/css; charset=utf-8')],
  ]);
}

// The page runs only its own scripts and talks only to this server; links open elsewhere.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
/** SSE comment lines keep idle connections open through proxies. */
const HEARTBEAT_MS = 15_000;

export interface DashboardServerOptions {
  live: LiveDashboard;
  host?: string;
  port?: number;
  /**
   * Live-update (SSE) connections served at once: each holds a socket and a listener for as long
   * as its tab is open, so one more gets 503 instead of the server running out (DASHBOARD_MAX_CLIENTS).
   */
  maxClients?: number;
  log?: Logger;
}

export interface DashboardServer {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

const sse = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** Default of DASHBOARD_MAX_CLIENTS: a team's worth of open tabs. */
export const DEFAULT_MAX_CLIENTS = 32;

export async function startDashboardServer({ live, host = '127.0.0.1', port = 3000, maxClients = DEFAULT_MAX_CLIENTS, log }: DashboardServerOptions): Promise<DashboardServer> {
  const assets = loadAssets();
  const app = Fastify({ logger: false });
  const streams = new Set<() => void>();

  // Bound to loopback, answer only requests addressed to loopback: a web page elsewhere cannot
  // read the figures through DNS rebinding.
  if (LOOPBACK_HOSTS.has(host)) {
    app.addHook('onRequest', async (request, reply) => {
      const hostname = (request.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      if (!LOOPBACK_HOSTS.has(hostname)) await reply.code(421).send('misdirected request\n');
    });
  }

  for (const [url, asset] of assets) {
    app.get(url, async (_request, reply) => reply.headers({ ...SECURITY_HEADERS, 'content-type': asset.type, 'cache-control': 'no-cache' }).send(asset.body));
  }

  app.get('/api/snapshot', async (_request, reply) => reply.headers(SECURITY_HEADERS).send(live.snapshot()));

  app.get('/api/events', (request, reply) => {
    if (streams.size >= maxClients) {
      log?.warn({ clients: streams.size, maxClients }, 'dashboard refused a live-update connection: too many open');
      void reply
        .code(503)
        .headers({ ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'retry-after': '30' })
        .send(`the dashboard serves at most ${maxClients} live connections at once (DASHBOARD_MAX_CLIENTS); close another tab or try again later\n`);
      return;
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    res.write(sse('update', live.snapshot()));
    const lastPoll = live.lastPoll();
    if (lastPoll !== undefined) res.write(sse('tick', lastPoll));
    const unsubscribe = live.subscribe((event, data: Sections | number) => {
      res.write(sse(event, data));
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const end = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(end);
      if (!res.writableEnded) res.end();
    };
    streams.add(end);
    request.raw.once('close', end);
  });

  try {
    await app.listen({ host, port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`port ${port} on ${host} is already in use: pass --port or set DASHBOARD_PORT`, { cause: error });
    }
    throw error;
  }
  const bound = app.server.address();
  const boundPort = typeof bound === 'object' && bound ? bound.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = new URL(`http://${shownHost}:${boundPort}`);
  log?.info({ url: url.origin }, 'dashboard listening');
  return {
    url: url.origin,
    app,
    async close() {
      for (const end of [...streams]) end();
      await app.close();
    },
  };
}
