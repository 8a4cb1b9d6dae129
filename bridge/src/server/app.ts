import express, { type Express } from 'express';

export interface AppDependencies {
  /** Resolves when the process can serve traffic (store reachable, migrations done). */
  ready: () => Promise<boolean>;
}

export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ok = await deps.ready().catch(() => false);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not_ready' });
  });
  return app;
}
