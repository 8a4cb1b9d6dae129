// Every metric the bridge exports, on one registry. Each is updated by the code
// path it counts; nothing here is computed or simulated.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class BridgeMetrics {
  readonly registry = new Registry();
  readonly validations = new Counter({
    name: 'lighthouse_bridge_validations_total',
    help: 'Tool-call validations by decision and the tier that decided',
    labelNames: ['decision', 'tier'] as const,
    registers: [this.registry],
  });
  readonly validationDuration = new Histogram({
    name: 'lighthouse_bridge_validation_duration_seconds',
    help: 'Time to decide a tool call, event append included',
    labelNames: ['tier'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1, 5, 30],
    registers: [this.registry],
  });
  readonly cacheHits = new Counter({
    name: 'lighthouse_bridge_cache_hits_total',
    help: 'Decision cache hits',
    registers: [this.registry],
  });
  readonly cacheMisses = new Counter({
    name: 'lighthouse_bridge_cache_misses_total',
    help: 'Decision cache misses',
    registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: 'lighthouse_bridge_auth_failures_total',
    help: 'Requests refused by authentication, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'lighthouse_bridge_rate_limited_total',
    help: 'Requests refused by a rate limit',
    labelNames: ['budget'] as const,
    registers: [this.registry],
  });
  readonly bodyBytesReserved = new Gauge({
    name: 'lighthouse_bridge_request_body_bytes_reserved',
    help: 'Request body bytes held by requests being received and handled: what each has sent, up to its limit (bounded by LIGHTHOUSE_MAX_BUFFERED_BODY_BYTES)',
    registers: [this.registry],
  });
  readonly overloaded = new Counter({
    name: 'lighthouse_bridge_overloaded_total',
    help: 'Requests refused (503 overloaded) because their body would overrun the body budget: unread, or cut off when their bytes did',
    registers: [this.registry],
  });
  readonly escalationsPending = new Gauge({
    name: 'lighthouse_bridge_escalations_pending',
    help: 'Escalations waiting for an expert, raised on any replica (as this replica has heard)',
    registers: [this.registry],
  });
  readonly expertsConnected = new Gauge({
    name: 'lighthouse_bridge_experts_connected',
    help: 'Experts with an open stream or long poll on any replica (as this replica has heard)',
    registers: [this.registry],
  });
  readonly eventsAppended = new Counter({
    name: 'lighthouse_bridge_events_appended_total',
    help: 'Events appended to the store by this replica',
    registers: [this.registry],
  });
  readonly eventAppendDuration = new Histogram({
    name: 'lighthouse_bridge_event_append_duration_seconds',
    help: 'Time for an append to become durable',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1, 5],
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'lighthouse_bridge_http_requests_total',
    help: 'HTTP requests by route and status code',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** One append committed (the store reports every one: decisions, escalations, files, …). */
  appended(events: number, seconds: number): void {
    this.eventsAppended.inc(events);
    this.eventAppendDuration.observe(seconds);
  }
}
