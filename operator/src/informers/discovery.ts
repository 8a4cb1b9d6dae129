// Which optional APIs (CloudNativePG, Barman Cloud) the cluster serves.
import { groupPath, type ResourceType } from '../kube/resources.js';
import { isNotFound, type RestClient } from '../kube/rest.js';

export async function isServed(rest: RestClient, type: ResourceType): Promise<boolean> {
  try {
    const list = await rest.get<{ resources?: { name: string }[] }>(groupPath(type.apiVersion));
    return (list.resources ?? []).some((r) => r.name === type.plural);
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
