// The API's routers, in mount order. A router factory takes the services and
// returns an Express Router with absolute /v1 paths. Signed routers sit behind
// request-signature authentication; add new feature routers to `signedRouters`.
import type { Router } from 'express';
import type { BridgeServices } from '../server/services.js';
import { agentsRouter } from './agents.js';
import { claudeCodeHookRouter } from './claude-code-hook.js';
import { elicitationsRouter } from './elicitations.js';
import { eventsRouter } from './events.js';
import { expertsRouter } from './experts.js';
import { flagsRouter } from './flags.js';
import { projectRouter } from './project.js';
import { statusRouter } from './status.js';
import { validateRouter } from './validate.js';

export type RouterFactory = (s: BridgeServices) => Router;

/** Where the bearer routers live: the app authenticates everything under it by its bearer hook token. */
export const HOOKS_PREFIX = '/v1/hooks';

/** Authenticated by a bearer hook token (Claude Code HTTP hooks cannot sign), under HOOKS_PREFIX. */
export const bearerRouters: RouterFactory[] = [claudeCodeHookRouter];

/** Authenticated by request signature. */
export const signedRouters: RouterFactory[] = [
  validateRouter,
  expertsRouter,
  eventsRouter,
  agentsRouter,
  statusRouter,
  elicitationsRouter,
  projectRouter,
  flagsRouter,
];
