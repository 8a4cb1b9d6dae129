// Polling for tests: the cluster converges asynchronously.
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  { timeoutMs = 60_000, intervalMs = 250 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Waits until every CRD `targets` names (kubectl's `-f file` or `crd/name`) is
 * Established. Not `kubectl wait`: a CRD just created has `status.conditions:
 * null` until its controllers catch up, and `kubectl wait` fails on that.
 */
export async function crdsEstablished(
  kubectl: (args: string[]) => Promise<string>,
  targets: string[],
): Promise<void> {
  type Crd = { status?: { conditions?: { type: string; status: string }[] | null } };
  await eventually(`CRDs ${targets.join(' ')} to be Established`, async () => {
    const got = JSON.parse(await kubectl(['get', ...targets, '-o', 'json'])) as Crd & { items?: Crd[] };
    const crds = got.items ?? [got];
    return crds.every((c) =>
      c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'),
    );
  });
}
