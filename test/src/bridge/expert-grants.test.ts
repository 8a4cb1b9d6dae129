// Being an expert needs the administrator's grant, on replicas sharing one
// PostgreSQL database: an agent registers only within its grant; narrowing the
// grant narrows what is routed to it; revoking it ends the registration, its
// escalations go to the other experts (or time out) and its answers are
// refused — on the replica that revoked and on the other. Also `lighthouse
// expert grant|revoke` against a running bridge.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BridgeClient } from '@lighthouse/bridge/client/bridge-client.js';
import { createTestDatabase, freePort, type TestDatabase } from '@lighthouse/bridge/testing/postgres.js';
import { runCommand } from '../processes/child.js';
import { grantExpert, MASTER, sseEvents, startTestBridge, until, type TestBridge } from './harness.js';

// Long enough for an expert's round trip on a loaded machine (a, b); the timeout test waits t's out.
const ANSWER_TIMEOUT_MS = 10_000;
const TIMEOUT_MS = 2_500;
let db: TestDatabase;
let a: TestBridge;
let b: TestBridge;
let t: TestBridge;

beforeAll(async () => {
  db = await createTestDatabase();
  const env = { LIGHTHOUSE_ESCALATION_TIMEOUT_MS: String(ANSWER_TIMEOUT_MS) };
  a = await startTestBridge({ databaseUrl: db.url }, env);
  b = await startTestBridge({ databaseUrl: db.url }, env);
  t = await startTestBridge(
    { databaseUrl: db.url },
    { LIGHTHOUSE_ESCALATION_TIMEOUT_MS: String(TIMEOUT_MS) },
  );
}, 60_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await t?.close();
  await db?.drop();
});

interface EscalationView {
  id: string;
  agentId: string;
  category: string;
  routedTo: string | null;
}
type ErrorBody = { error: { code: string; message: string } };

// Default policy: service control escalates as `privileged`, a force push as `vcs`.
const privileged = (n: number) => ({ tool: 'Bash', input: { command: `systemctl restart svc${n}` } });
const forcePush = (n: number) => ({ tool: 'Bash', input: { command: `git push --force origin b${n}` } });

const grantPath = (id: string) => `/v1/experts/${id}/grant`;
const revoke = (bridge: TestBridge, id: string) => bridge.admin().request('DELETE', grantPath(id));
const stored = async (id: string) => (await a.services.store.readStream(`expert:${id}`)).map((e) => e.type);

async function openStream(client: BridgeClient) {
  const ctl = new AbortController();
  const res = await client.fetch('GET', '/v1/escalations/stream', undefined, ctl.signal);
  expect(res.status).toBe(200);
  return { events: sseEvents(res, 'escalation') as AsyncGenerator<EscalationView>, close: () => ctl.abort() };
}

/** Granted (unless `granted` already), registered and streaming on `bridge`; connected as every replica sees it. */
async function expertOn(bridge: TestBridge, id: string, capabilities: string[], granted = false) {
  if (!granted) await grantExpert(a.admin(), id, capabilities);
  const client = bridge.client(id);
  expect((await client.post('/v1/experts', { capabilities })).status).toBe(201);
  const stream = await openStream(client);
  for (const r of [a, b, t]) await until(() => (r.services.experts.isConnected(id) ? true : undefined));
  return { client, ...stream };
}

/** No expert of an earlier test is connected any more (after the 2 s reconnect grace). */
const noExpertsConnected = () =>
  until(() => ([a, b, t].every((r) => r.services.experts.connectedCount() === 0) ? true : undefined), 8_000);

describe('granting expert capabilities', () => {
  it('a granted agent registers, receives an escalation and answers it; grant and registration are events', async () => {
    const granted = await a
      .admin()
      .request('PUT', grantPath('gina'), { capabilities: ['privileged', 'privileged'] });
    expect([granted.status, granted.body]).toEqual([200, { expertId: 'gina', capabilities: ['privileged'] }]);
    const gina = await expertOn(a, 'gina', ['privileged'], true);
    try {
      const validation = a.client('agent-1').post<Record<string, unknown>>('/v1/validate', privileged(1));
      const { value } = await gina.events.next();
      expect(value).toMatchObject({ agentId: 'agent-1', routedTo: 'gina' });
      const answer = await gina.client.post(`/v1/escalations/${value!.id}/decision`, { decision: 'allow' });
      expect(answer.status).toBe(200);
      expect((await validation).body).toMatchObject({ decision: 'allow', tier: 'escalation' });
    } finally {
      gina.close();
    }
    const events = await a.services.store.readStream('expert:gina');
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['ExpertGranted', { expertId: 'gina', capabilities: ['privileged'], by: 'admin' }],
      ['ExpertRegistered', { expertId: 'gina', capabilities: ['privileged'] }],
    ]);
  });

  it('an agent with no grant cannot register, poll or answer: 403 not_granted, nothing stored', async () => {
    const hank = b.client('hank');
    const res = await hank.post<ErrorBody>('/v1/experts', { capabilities: ['privileged'] });
    expect(res.status).toBe(403);
    expect(res.body.error).toEqual({
      code: 'not_granted',
      message: expect.stringContaining('hank holds no expert grant'),
    });
    expect(await stored('hank')).toEqual([]);
    for (const poll of [
      hank.get<ErrorBody>('/v1/escalations'),
      hank.get<ErrorBody>('/v1/escalations/stream'),
    ]) {
      const r = await poll;
      expect([r.status, r.body.error.code]).toEqual([403, 'not_granted']);
    }
    expect(b.services.experts.all().map((e) => e.id)).not.toContain('hank');
  });

  it('an agent registering beyond its grant gets 403 naming what was not granted', async () => {
    await grantExpert(a.admin(), 'ivy', ['vcs']);
    const ivy = b.client('ivy');
    const beyond = await ivy.post<ErrorBody>('/v1/experts', {
      capabilities: ['vcs', 'privileged', 'secrets'],
    });
    expect([beyond.status, beyond.body.error.code]).toEqual([403, 'not_granted']);
    expect(beyond.body.error.message).toBe(
      'capabilities not granted to ivy: privileged, secrets (granted: vcs)',
    );
    const all = await ivy.post<ErrorBody>('/v1/experts', { capabilities: ['*'] });
    expect([all.status, all.body.error.message]).toEqual([403, expect.stringContaining(': *')]);
    // Granted but not registered: told to register.
    const poll = await ivy.get<ErrorBody>('/v1/escalations');
    expect([poll.status, poll.body.error.code]).toEqual([409, 'not_registered']);
    expect(await stored('ivy')).toEqual(['ExpertGranted']);
    expect((await ivy.post('/v1/experts', { capabilities: ['vcs'] })).status).toBe(201);
  });

  it('only the administrator grants and revokes (403 admin_only); bad requests are 400, a missing grant 404', async () => {
    const jay = a.client('jay');
    const self = await jay.request<ErrorBody>('PUT', grantPath('jay'), { capabilities: ['*'] });
    expect([self.status, self.body.error.code]).toEqual([403, 'admin_only']);
    // Refused before its body is looked at.
    const bad = await jay.request<ErrorBody>('PUT', grantPath('jay'), { capabilities: 'all' });
    expect([bad.status, bad.body.error.code]).toEqual([403, 'admin_only']);
    await grantExpert(a.admin(), 'kim', ['vcs']);
    const other = await jay.request<ErrorBody>('DELETE', grantPath('kim'));
    expect([other.status, other.body.error.code]).toEqual([403, 'admin_only']);
    expect([await stored('jay'), await stored('kim')]).toEqual([[], ['ExpertGranted']]);

    const admin = a.admin();
    for (const body of [
      {},
      { capabilities: [] },
      { capabilities: ['no spaces'] },
      { capabilities: ['vcs'], x: 1 },
    ]) {
      const r = await admin.request<ErrorBody>('PUT', grantPath('jay'), body);
      expect([JSON.stringify(body), r.status, r.body.error.code]).toEqual([
        JSON.stringify(body),
        400,
        'invalid_request',
      ]);
    }
    const badId = await admin.request<ErrorBody>('PUT', grantPath('a.b'), { capabilities: ['vcs'] });
    expect([badId.status, badId.body.error.code]).toEqual([400, 'invalid_request']);
    const none = await admin.request<ErrorBody>('DELETE', grantPath('jay'));
    expect([none.status, none.body.error]).toEqual([
      404,
      { code: 'not_found', message: 'agent jay holds no expert grant' },
    ]);
    expect(await stored('jay')).toEqual([]);
  });

  it('revoking on the other replica: the answer is refused 403 at once, the escalation goes to another expert', async () => {
    await noExpertsConnected();
    const first = await expertOn(a, 'rev-a', ['privileged']);
    const second = await expertOn(a, 'rev-b', ['privileged']);
    try {
      const validation = a.client('agent-2').post<Record<string, unknown>>('/v1/validate', privileged(2));
      // Equal load: routed to the first by id.
      const { value } = await first.events.next();
      expect(value).toMatchObject({ agentId: 'agent-2', routedTo: 'rev-a' });
      const revoked = await revoke(b, 'rev-a');
      expect([revoked.status, revoked.body]).toEqual([200, { expertId: 'rev-a', granted: false }]);
      const refused = await first.client.post<ErrorBody>(`/v1/escalations/${value!.id}/decision`, {
        decision: 'allow',
      });
      expect([refused.status, refused.body.error.code]).toEqual([403, 'not_granted']);
      const { value: offered } = await second.events.next();
      expect(offered).toMatchObject({ id: value!.id, routedTo: 'rev-a' });
      expect(
        (
          await second.client.post(`/v1/escalations/${value!.id}/decision`, {
            decision: 'block',
            reason: 'no',
          })
        ).status,
      ).toBe(200);
      expect((await validation).body).toMatchObject({ decision: 'block', tier: 'escalation', reason: 'no' });

      // New escalations go to the other expert on every replica; the revoked one must be granted again to register.
      for (const r of [a, b]) expect(r.services.experts.candidates('privileged', () => 0)).toEqual(['rev-b']);
      const again = await first.client.post<ErrorBody>('/v1/experts', { capabilities: ['privileged'] });
      expect([again.status, again.body.error.code]).toEqual([403, 'not_granted']);
      expect(await stored('rev-a')).toEqual(['ExpertGranted', 'ExpertRegistered', 'ExpertGrantRevoked']);
    } finally {
      first.close();
      second.close();
    }
  });

  it("revoking on one replica ends the expert's open stream and long poll on the other (403 not_granted)", async () => {
    await noExpertsConnected();
    const expert = await expertOn(b, 'ending', ['privileged']);
    try {
      const poll = expert.client.get<ErrorBody>('/v1/escalations?wait=50');
      expect((await revoke(a, 'ending')).status).toBe(200);
      const deadline = new Promise<'open'>((r) => setTimeout(() => r('open'), 10_000).unref());
      expect(
        await Promise.race([expert.events.next().then((n) => (n.done ? 'ended' : 'event')), deadline]),
      ).toBe('ended');
      const answered = await Promise.race([poll, deadline]);
      expect(answered === 'open' ? 'open' : [answered.status, answered.body.error.code]).toEqual([
        403,
        'not_granted',
      ]);
    } finally {
      expert.close();
    }
  });

  it("the only expert's grant revoked: its escalation times out into block", async () => {
    await noExpertsConnected();
    const sole = await expertOn(t, 'sole', ['privileged']);
    try {
      const validation = t.client('agent-3').post<Record<string, unknown>>('/v1/validate', privileged(3));
      const { value } = await sole.events.next();
      expect(value).toMatchObject({ routedTo: 'sole' });
      expect((await revoke(a, 'sole')).status).toBe(200);
      expect((await validation).body).toMatchObject({ decision: 'block', reason: 'escalation_timeout' });
      const late = await sole.client.post<ErrorBody>(`/v1/escalations/${value!.id}/decision`, {
        decision: 'allow',
      });
      expect(late.status).toBe(403);
    } finally {
      sole.close();
    }
  });

  /**
   * `expert` answers an escalation raised on `a`; on its way from the checks to
   * the store, `withdraw` takes its right to answer away on replica b. The
   * answer must then be refused, and not be recorded after the withdrawal.
   */
  async function answerOvertaken(expertId: string, n: number, withdraw: () => Promise<void>) {
    const agentId = `agent-${n}`;
    await noExpertsConnected();
    const expert = await expertOn(a, expertId, ['privileged']);
    const store = a.services.store;
    const append = store.append;
    let withdrawn = false;
    store.append = async (stream, events, opts) => {
      if (!withdrawn && events[0]?.type === 'EscalationDecided') {
        withdrawn = true;
        await withdraw();
      }
      return append.call(store, stream, events, opts);
    };
    try {
      const validation = a.client(agentId).post<Record<string, unknown>>('/v1/validate', privileged(n));
      const { value } = await expert.events.next();
      expect(value).toMatchObject({ agentId, routedTo: expertId });
      const answer = await expert.client.post<ErrorBody>(`/v1/escalations/${value!.id}/decision`, {
        decision: 'allow',
      });
      expect(withdrawn).toBe(true);
      expect((await validation).body).toMatchObject({ decision: 'block', reason: 'escalation_timeout' });
      const recorded = await a.services.store.readStream(`escalation:${value!.id}`);
      expect(recorded.map((e) => e.type)).toEqual(['EscalationRequested', 'EscalationExpired']);
      return answer;
    } finally {
      store.append = append;
      expert.close();
    }
  }

  it("a grant revoked on the other replica between an answer's checks and its record: the answer is refused, not recorded", async () => {
    const answer = await answerOvertaken('overtaken', 7, async () => {
      expect((await revoke(b, 'overtaken')).status).toBe(200);
    });
    expect([answer.status, answer.body.error.code]).toEqual([403, 'not_granted']);
    expect(await stored('overtaken')).toEqual(['ExpertGranted', 'ExpertRegistered', 'ExpertGrantRevoked']);
  }, 30_000);

  it("an expert agent revoked between an answer's checks and its record: the answer is refused, its grant withdrawn", async () => {
    const answer = await answerOvertaken('turncoat', 8, async () => {
      expect((await b.admin().post('/v1/agents/turncoat/revoke', {})).status).toBe(200);
    });
    // Refused for the grant (403), or for the credential if this replica heard of the revocation first (401).
    expect([403, 401]).toContain(answer.status);
    const events = await a.services.store.readStream('expert:turncoat');
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['ExpertGranted', expect.anything()],
      ['ExpertRegistered', expect.anything()],
      ['ExpertGrantRevoked', { expertId: 'turncoat', by: 'admin', reason: 'agent_revoked' }],
    ]);
  }, 30_000);

  it('a grant made on one replica lets the agent register on the other at once; narrowing it narrows the routing', async () => {
    await noExpertsConnected();
    await grantExpert(a.admin(), 'nora', ['privileged', 'vcs']);
    const nora = b.client('nora');
    expect((await nora.post('/v1/experts', { capabilities: ['privileged', 'vcs'] })).status).toBe(201);
    const stream = await openStream(nora);
    const raised = (agentId: string) =>
      until(async () =>
        (await a.services.store.readAll({ types: ['EscalationRequested'], limit: 1000 })).events
          .map((x) => x.data as EscalationView)
          .find((x) => x.agentId === agentId),
      );
    try {
      await until(() => (a.services.experts.isConnected('nora') ? true : undefined));
      const before = a.client('agent-4').post<Record<string, unknown>>('/v1/validate', privileged(4));
      const { value: routed } = await stream.events.next();
      expect(routed).toMatchObject({ agentId: 'agent-4', routedTo: 'nora' });

      await grantExpert(b.admin(), 'nora', ['vcs']);
      await until(() => (a.services.experts.canDecide('nora', 'privileged') ? undefined : true));
      // What was routed to nora before the narrowing is no longer hers to decide.
      expect(b.services.escalations.pendingFor('nora')).toEqual([]);
      const refused = await nora.post<ErrorBody>(`/v1/escalations/${routed!.id}/decision`, {
        decision: 'allow',
      });
      expect([refused.status, refused.body.error.code]).toEqual([403, 'not_granted']);
      // Raised now, on a: not routed to nora.
      const after = a.client('agent-5').post<Record<string, unknown>>('/v1/validate', privileged(5));
      expect((await raised('agent-5')).routedTo).toBeNull();
      expect(b.services.escalations.pendingFor('nora')).toEqual([]);

      // What the grant still covers reaches nora.
      const push = a.client('agent-6').post<Record<string, unknown>>('/v1/validate', forcePush(6));
      const { value } = await stream.events.next();
      expect(value).toMatchObject({ agentId: 'agent-6', category: 'vcs', routedTo: 'nora' });
      expect((await nora.post(`/v1/escalations/${value!.id}/decision`, { decision: 'allow' })).status).toBe(
        200,
      );
      expect((await push).body).toMatchObject({ decision: 'allow', tier: 'escalation' });
      // Nobody answers the privileged calls: they time out.
      for (const v of [before, after])
        expect((await v).body).toMatchObject({ decision: 'block', reason: 'escalation_timeout' });
    } finally {
      stream.close();
    }
  }, 30_000);
});

describe('lighthouse expert grant|revoke|list', () => {
  const cli = fileURLToPath(new URL('../../../bridge/bin/lighthouse.js', import.meta.url));
  const lighthouse = (args: string[], url: string) =>
    runCommand(process.execPath, [cli, 'expert', ...args], {
      cwd: path.dirname(cli),
      env: { PATH: process.env.PATH ?? '', LIGHTHOUSE_MASTER_KEY: MASTER.toString(), LIGHTHOUSE_URL: url },
    });

  it('grants and revokes against a running bridge with the master key; exit 1 on a refusal or no bridge', async () => {
    const granted = await lighthouse(['grant', 'olga', 'vcs', 'privileged'], b.url);
    expect(granted).toEqual({ code: 0, stdout: 'granted olga: privileged vcs\n', stderr: '' });
    const olga = a.client('olga');
    expect((await olga.post('/v1/experts', { capabilities: ['vcs'] })).status).toBe(201);

    const json = await lighthouse(['grant', 'olga', 'vcs', '--json'], b.url);
    expect([json.code, JSON.parse(json.stdout)]).toEqual([0, { expertId: 'olga', capabilities: ['vcs'] }]);
    const revoked = await lighthouse(['revoke', 'olga'], b.url);
    expect(revoked).toEqual({ code: 0, stdout: 'revoked the expert grant of olga\n', stderr: '' });
    const refused = await olga.get<ErrorBody>('/v1/escalations');
    expect([refused.status, refused.body.error.code]).toEqual([403, 'not_granted']);

    const again = await lighthouse(['revoke', 'olga'], b.url);
    expect(again).toEqual({
      code: 1,
      stdout: '',
      stderr: 'lighthouse expert revoke: bridge answered 404 not_found: agent olga holds no expert grant\n',
    });
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    expect(await lighthouse(['grant', 'olga', 'vcs'], nowhere)).toEqual({
      code: 1,
      stdout: '',
      stderr: `lighthouse expert grant: bridge unreachable at ${nowhere} (ECONNREFUSED)\n`,
    });
  }, 60_000);

  it('lists the grants: GET /v1/experts for the administrator only, and lighthouse expert list', async () => {
    await grantExpert(a.admin(), 'pia', ['vcs']);
    await grantExpert(a.admin(), 'quin', ['vcs']);
    expect((await revoke(a, 'quin')).status).toBe(200);
    expect((await a.client('pia').post('/v1/experts', { capabilities: ['vcs'] })).status).toBe(201);
    const refused = await a.client('pia').get<ErrorBody>('/v1/experts');
    expect([refused.status, refused.body.error.code]).toEqual([403, 'admin_only']);
    // The other replica knows it too (told by NOTIFY).
    const listed = await until(async () => {
      const r = await b
        .admin()
        .get<{ experts: { expertId: string; granted: unknown; registered: unknown }[] }>('/v1/experts');
      const [pia, quin] = ['pia', 'quin'].map((id) => r.body.experts.find((e) => e.expertId === id));
      return pia?.registered && quin?.granted === null ? pia : undefined;
    });
    expect(listed).toEqual({
      expertId: 'pia',
      granted: ['vcs'],
      registered: ['vcs'],
      capabilities: ['vcs'],
      connected: false,
    });

    const human = await lighthouse(['list'], b.url);
    expect([human.code, human.stderr]).toEqual([0, '']);
    expect(human.stdout).toMatch(/^EXPERT +GRANTED +REGISTERED +CONNECTED\n/);
    expect(human.stdout).toMatch(/^pia +vcs +vcs +no$/m);
    // Revoked grants stay listed, with nothing granted.
    expect(human.stdout).toMatch(/^quin +- +- +no$/m);
    const json = await lighthouse(['list', '--json'], b.url);
    expect(JSON.parse(json.stdout).experts).toContainEqual(listed);
  }, 60_000);
});
