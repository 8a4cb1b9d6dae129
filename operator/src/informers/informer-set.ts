// One informer per watched namespace (or one for all namespaces), used as one cache.
import type { KubernetesObject } from '@kubernetes/client-node';

import { resourcePath, type ResourceType } from '../kube/resources.js';
import type { RestClient } from '../kube/rest.js';
import {
  Informer,
  type Handler,
  type InformerHealth,
  type InformerOptions,
  type ListWatchSource,
} from './informer.js';

/** What the reconciler reads: a cache that can also take the objects we just wrote. */
export interface ObjectCache<T> {
  get(namespace: string, name: string): T | undefined;
  list(): T[];
  upsert(obj: T): void;
}

export function restSource<T>(rest: RestClient, type: ResourceType, namespace?: string): ListWatchSource<T> {
  const path = resourcePath(type, namespace);
  return {
    list: (query) => rest.list<T>(path, query),
    watch: (query, onEvent, options) => rest.watch<T>(path, query, onEvent, options),
  };
}

/**
 * What the cache keeps of an object: list items come without apiVersion and
 * kind, so they are set; managedFields (the largest part) and Secret values
 * (only existence matters) are dropped to keep 1,000s of cached objects small.
 */
export function slim<T extends KubernetesObject>(type: ResourceType, obj: T): T {
  const metadata = { ...obj.metadata };
  delete metadata.managedFields;
  const out = { ...obj, apiVersion: type.apiVersion, kind: type.kind, metadata } as T & {
    data?: unknown;
    stringData?: unknown;
  };
  if (type.kind === 'Secret') {
    delete out.data;
    delete out.stringData;
  }
  return out;
}

export class InformerSet<T extends KubernetesObject> implements ObjectCache<T> {
  private readonly informers = new Map<string, Informer<T>>();

  constructor(
    rest: RestClient,
    readonly type: ResourceType,
    namespaces: string[],
    options: Omit<InformerOptions<T>, 'name' | 'transform'>,
  ) {
    const scopes = namespaces.length > 0 ? namespaces : [''];
    for (const ns of scopes) {
      const name = `${type.plural}.${type.apiVersion}${ns ? ` in ${ns}` : ''}`;
      this.informers.set(
        ns,
        new Informer<T>(restSource<T>(rest, type, ns || undefined), {
          ...options,
          name,
          transform: (o) => slim(type, o),
        }),
      );
    }
  }

  private scope(namespace: string): Informer<T> | undefined {
    return this.informers.get(namespace) ?? this.informers.get('');
  }

  on(handler: Handler<T>): void {
    for (const i of this.informers.values()) i.on(handler);
  }

  get(namespace: string, name: string): T | undefined {
    return this.scope(namespace)?.get(namespace, name);
  }

  list(): T[] {
    return [...this.informers.values()].flatMap((i) => i.list());
  }

  upsert(obj: T): void {
    this.scope(obj.metadata?.namespace ?? '')?.upsert(obj);
  }

  health(): InformerHealth[] {
    return [...this.informers.values()].map((i) => i.health());
  }

  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
