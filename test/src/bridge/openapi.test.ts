// GET /v1/openapi.json against a running bridge: the served document is the one
// the request validator compiles, and it describes exactly the routes the app
// mounts (walked from the Express app behind the bridge's HTTP server).
import { describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import { openApiDocument } from '@lighthouse/bridge/openapi/document.js';
import { RequestValidator } from '@lighthouse/bridge/openapi/request-validator.js';
import { bridgeForSuite, type TestBridge } from './harness.js';

let bridge: TestBridge;
bridgeForSuite({}, (b) => (bridge = b));

type Operation = { operationId: string; security?: unknown[]; requestBody?: unknown };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  match(path: string): boolean;
}
interface MountedRoute {
  path: string;
  methods: string[];
  layer: Layer;
}

/** Every route of the Express app serving `bridge`, nested routers included. */
function mountedRoutes(b: TestBridge): MountedRoute[] {
  const app = b.server.listeners('request')[0] as Express;
  const out: MountedRoute[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const methods = Object.keys(layer.route.methods).filter((m) => METHODS.includes(m));
        out.push({ path: layer.route.path, methods, layer });
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app.router as unknown as { stack: Layer[] }).stack);
  return out;
}

/** Express path syntax (`:id`, `*path`) as an OpenAPI path template (`{id}`, `{path}`). */
const template = (expressPath: string) => expressPath.replace(/[:*]([A-Za-z0-9_]+)/g, '{$1}');

async function served(): Promise<Document> {
  const res = await fetch(`${bridge.url}/v1/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return (await res.json()) as Document;
}

function operations(doc: Document): { path: string; method: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ path, method, op })),
  );
}

describe('GET /v1/openapi.json', () => {
  it('is served without credentials as OpenAPI 3.1, equal to the document requests are validated with', async () => {
    const doc = await served();
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
    // The served document compiles into the same validators the bridge uses.
    const validator = new RequestValidator(doc as unknown as typeof openApiDocument);
    const withBody = operations(doc).filter(({ op }) => op.requestBody !== undefined);
    expect(withBody.map(({ op }) => op.operationId)).toEqual(
      expect.arrayContaining(['validate', 'validateDryRun', 'registerExpert', 'appendEvents']),
    );
    for (const { op } of withBody) expect(() => validator.body(op.operationId)).not.toThrow();
    const ids = operations(doc).map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has a path entry, with the method, for every route the app mounts', async () => {
    const doc = await served();
    const routes = mountedRoutes(bridge);
    expect(routes.length).toBeGreaterThan(20);
    const undocumented = routes.flatMap((r) =>
      r.methods
        .filter((m) => doc.paths[template(r.path)]?.[m] === undefined)
        .map((m) => `${m.toUpperCase()} ${r.path}`),
    );
    expect(undocumented).toEqual([]);
  });

  it('documents no operation that no mounted route serves', async () => {
    const doc = await served();
    const routes = mountedRoutes(bridge);
    const unserved = operations(doc)
      .filter(({ path, method }) => {
        const sample = path.replace(/\{[^}]+\}/g, 'x');
        return !routes.some((r) => r.methods.includes(method) && r.layer.match(sample));
      })
      .map(({ path, method }) => `${method.toUpperCase()} ${path}`);
    expect(unserved).toEqual([]);
  });

  it('marks as public exactly the operations that answer without credentials', async () => {
    const doc = await served();
    const results = await Promise.all(
      operations(doc).map(async ({ path, method, op }) => {
        const res = await fetch(bridge.url + path.replace(/\{[^}]+\}/g, 'x'), {
          method: method.toUpperCase(),
          ...(method === 'get' ? {} : { headers: { 'content-type': 'application/json' }, body: '{}' }),
        });
        await res.arrayBuffer();
        const isPublic = Array.isArray(op.security) && op.security.length === 0;
        return { op: op.operationId, isPublic, refused: res.status === 401 };
      }),
    );
    expect(results.filter((r) => r.isPublic === r.refused)).toEqual([]);
    expect(results.filter((r) => r.isPublic).map((r) => r.op)).toEqual(
      expect.arrayContaining(['health', 'metrics', 'openapi']),
    );
  });
});
