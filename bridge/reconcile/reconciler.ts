import type UserRepresentation from '@keycloak/keycloak-admin-client/lib/defs/userRepresentation';

import { Worker } from '../jobs/worker';
import { JobStore } from '../jobs/job-store';
import { EMPLOYEE_ID_ATTRIBUTE, KeycloakGateway } from '../keycloak/gateway';
import { Logger } from '../log/logger';
import { Provisioner } from '../provisioning/provisioner';
import { LoginProvisioningRequested } from '../webhooks/payload';

/** The plugin's mark: a gated login asked for provisioning at this time. */
export const REQUESTED_AT_ATTRIBUTE = 'bms_provisioning_requested_at';

export interface ReconcileSummary {
  examined: number;
  alreadyProvisioned: number;
  queued: number;
  provisioned: number;
  denied: number;
  failed: number;
  stillRunning: number;
}

export interface ReconcileOptions {
  /** 'requested': users the plugin marked (a webhook may have been lost); 'all': every user linked to the IdP (a first migration) */
  scope: 'requested' | 'all';
  onProgress?: (done: number, total: number) => void;
  /** how long to wait for the queued jobs before reporting (they go on afterwards) */
  waitMs?: number;
}

const PAGE = 100;

/**
 * The safety net: users who should have a BMS employee but have no bms_employee_id (the webhook never arrived,
 * the bridge was down, BMS failed for long) are provisioned, through the same rules, jobs and rate limiter as
 * logins but behind them in the limiter's queue. Denied users are skipped and counted.
 */
export class Reconciler {
  constructor(
    private readonly keycloak: KeycloakGateway,
    private readonly provisioner: Provisioner,
    private readonly store: JobStore,
    private readonly worker: Worker,
    private readonly realm: string,
    private readonly idpAlias: string,
    private readonly log: Logger,
  ) {}

  async run(options: ReconcileOptions): Promise<ReconcileSummary> {
    const candidates = await this.candidates(options.scope);
    const summary: ReconcileSummary = { examined: candidates.examined, alreadyProvisioned: candidates.examined - candidates.users.length, queued: 0, provisioned: 0, denied: 0, failed: 0, stillRunning: 0 };
    const jobs: number[] = [];
    let done = 0;
    for (const user of candidates.users) {
      const accepted = await this.provisioner.accept(this.loginOf(user), true);
      if ('job' in accepted) {
        jobs.push(accepted.job.id);
        summary.queued++;
      } else summary.denied++;
      options.onProgress?.(++done, candidates.users.length);
    }
    this.worker.kick();
    const deadline = Date.now() + (options.waitMs ?? 60_000);
    for (const id of jobs) {
      const job = await this.worker.waitFor(id, Math.max(0, deadline - Date.now()));
      if (job?.state === 'done') summary.provisioned++;
      else if (job?.state === 'dead') summary.failed++;
      else summary.stillRunning++;
    }
    this.log.info({ scope: options.scope, ...summary }, 'reconciliation finished');
    return summary;
  }

  private async candidates(scope: ReconcileOptions['scope']): Promise<{ examined: number; users: UserRepresentation[] }> {
    const users: UserRepresentation[] = [];
    let examined = 0;
    for (let first = 0; ; first += PAGE) {
      const page = await this.keycloak.usersPage(first, PAGE, scope === 'all' ? this.idpAlias : undefined);
      for (const user of page) {
        const requested = !!user.attributes?.[REQUESTED_AT_ATTRIBUTE]?.[0];
        if (scope === 'requested' && !requested) continue;
        examined++;
        if (!user.attributes?.[EMPLOYEE_ID_ATTRIBUTE]?.[0] && user.enabled !== false) users.push(user);
      }
      if (page.length < PAGE) break;
    }
    return { examined, users };
  }

  private loginOf(user: UserRepresentation): LoginProvisioningRequested {
    const first = (name: string): string | null => user.attributes?.[name]?.[0] ?? null;
    return {
      type: 'login.provisioning_requested',
      eventId: `reconcile-${user.id}-${Date.now()}`,
      realm: this.realm,
      idpAlias: this.idpAlias,
      clientId: 'bms-bridge-reconciler',
      user: {
        id: user.id ?? '',
        username: user.username ?? '',
        subject: null,
        email: user.email ?? null,
        firstName: user.firstName ?? null,
        lastName: user.lastName ?? null,
        upn: first('upn'),
        domain: first('ad_domain'),
        groups: user.attributes?.ad_groups ?? [],
      },
      firstLogin: false,
      time: new Date().toISOString(),
    };
  }
}
