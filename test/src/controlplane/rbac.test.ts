// Authentication by client certificate and authorization by RBAC are real:
// a user the cluster admin has granted nothing gets 403, a RoleBinding changes that.
import { describe, expect, it } from '@jest/globals';
import { ApiException, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';

import { controlPlane, useNamespace } from './testing.js';
import { eventually } from './wait.js';

const ns = useNamespace('rbac');

async function status(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (err) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
}

describe('RBAC for a non-admin user', () => {
  it('is refused what RBAC does not grant and allowed what a RoleBinding grants', async () => {
    const cp = controlPlane();
    const userKubeconfig = await cp.mintKubeconfig('alice', ['lighthouse:testers']);
    const asAlice = cp.kubeConfig(userKubeconfig).makeApiClient(CoreV1Api);

    expect(await status(asAlice.listNamespacedPod({ namespace: ns() }))).toBe(403);
    expect(await status(asAlice.listNamespacedSecret({ namespace: ns() }))).toBe(403);

    const rbac = cp.kubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns(),
      body: {
        metadata: { name: 'pod-reader' },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns(),
      body: {
        metadata: { name: 'testers-read-pods' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'lighthouse:testers' }],
      },
    });

    await eventually(
      'the RoleBinding to take effect',
      async () => (await status(asAlice.listNamespacedPod({ namespace: ns() }))) === 200,
    );
    // Only what was granted.
    expect(await status(asAlice.listNamespacedSecret({ namespace: ns() }))).toBe(403);
    expect(await status(asAlice.listNamespacedPod({ namespace: 'default' }))).toBe(403);
    const canI = await cp.kubectl([
      '--kubeconfig',
      userKubeconfig,
      'auth',
      'can-i',
      'list',
      'pods',
      '-n',
      ns(),
    ]);
    expect(canI.trim()).toBe('yes');
    const whoami = JSON.parse(
      await cp.kubectl(['--kubeconfig', userKubeconfig, 'auth', 'whoami', '-o', 'json']),
    ) as {
      status: { userInfo: { username: string; groups: string[] } };
    };
    expect(whoami.status.userInfo.username).toBe('alice');
    expect(whoami.status.userInfo.groups).toContain('lighthouse:testers');
  }, 60_000);
});
