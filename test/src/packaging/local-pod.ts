// Turns one container of a Deployment's pod template into a local process
// setup: every volume it mounts becomes a local directory (ConfigMap and Secret
// contents written as files, emptyDir and PVCs empty), env values that point
// into a mount point at the local directory, and valueFrom references resolved.
// `make up` runs the bridge this way, configured exactly as the operator
// configured its Deployment.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { V1Container, V1Deployment } from '@kubernetes/client-node';

export interface ObjectReader {
  configMap(namespace: string, name: string): Promise<Record<string, string>>;
  /** Decoded values. */
  secret(namespace: string, name: string): Promise<Record<string, string>>;
}

export interface LocalContainer {
  container: V1Container;
  /** Mount path in the pod → local directory. */
  mounts: Map<string, string>;
  env: Record<string, string>;
  /** Removes every local directory. */
  cleanup(): void;
}

export async function localContainer(
  deployment: V1Deployment,
  containerName: string,
  read: ObjectReader,
  podName = `${deployment.metadata!.name}-local`,
): Promise<LocalContainer> {
  const namespace = deployment.metadata!.namespace!;
  const pod = deployment.spec!.template.spec!;
  const container = pod.containers.find((c) => c.name === containerName);
  if (!container)
    throw new Error(`no container ${containerName} in ${namespace}/${deployment.metadata!.name}`);
  const root = mkdtempSync(path.join(os.tmpdir(), `lighthouse-${containerName}-`));
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  try {
    const mounts = new Map<string, string>();
    for (const m of container.volumeMounts ?? []) {
      const volume = pod.volumes?.find((v) => v.name === m.name);
      if (!volume) throw new Error(`volume ${m.name} is mounted but not defined`);
      const dir = path.join(root, m.name);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      let files: Record<string, string> = {};
      if (volume.configMap) files = await read.configMap(namespace, volume.configMap.name!);
      else if (volume.secret) files = await read.secret(namespace, volume.secret.secretName!);
      else if (!volume.emptyDir && !volume.persistentVolumeClaim) {
        throw new Error(
          `volume ${m.name}: only configMap, secret, emptyDir and persistentVolumeClaim are supported`,
        );
      }
      for (const [key, value] of Object.entries(files)) {
        const file = path.join(dir, key);
        writeFileSync(file, value, { mode: volume.secret ? 0o600 : 0o644 });
      }
      if (volume.secret) chmodSync(dir, 0o700);
      mounts.set(m.mountPath, dir);
    }
    const local = (value: string) => {
      const mount = [...mounts.keys()]
        .filter((p) => value === p || value.startsWith(`${p}/`))
        .sort((a, b) => b.length - a.length)[0];
      return mount === undefined ? value : mounts.get(mount)! + value.slice(mount.length);
    };
    const env: Record<string, string> = {};
    for (const e of container.env ?? []) {
      const from = e.valueFrom;
      if (e.value !== undefined) env[e.name] = local(e.value);
      else if (from?.secretKeyRef) {
        const data = await read.secret(namespace, from.secretKeyRef.name!);
        const v = data[from.secretKeyRef.key];
        if (v === undefined) throw new Error(`env ${e.name}: key ${from.secretKeyRef.key} missing`);
        env[e.name] = v;
      } else if (from?.configMapKeyRef) {
        const data = await read.configMap(namespace, from.configMapKeyRef.name!);
        const v = data[from.configMapKeyRef.key];
        if (v === undefined) throw new Error(`env ${e.name}: key ${from.configMapKeyRef.key} missing`);
        env[e.name] = v;
      } else if (from?.fieldRef) {
        const fields: Record<string, string> = { 'metadata.namespace': namespace, 'metadata.name': podName };
        const v = fields[from.fieldRef.fieldPath];
        if (v === undefined) throw new Error(`env ${e.name}: field ${from.fieldRef.fieldPath} not supported`);
        env[e.name] = v;
      } else {
        throw new Error(`env ${e.name}: unsupported source`);
      }
    }
    return { container, mounts, env, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}
