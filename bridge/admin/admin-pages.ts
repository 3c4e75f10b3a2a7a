import { Router } from 'express';

import type { BridgeCore } from '../bridge';
import { PRIORITY_BACKGROUND } from '../bms/client';
import { BmsError } from '../bms/errors';
import { BridgeConfig } from '../config/config';
import { Logger } from '../log/logger';
import { preview, PreviewSource } from '../rules/preview';
import { adminRouter, AdminDeps } from './admin-router';
import { EmployeeNow } from './pages/person';
import { HealthCheck } from './pages/health';
import { SweepControl } from '../sweep/sweep-control';

/** What the bridge hands the admin pages besides its core parts. */
export interface AdminPagesParts {
  previewSource: PreviewSource;
  /** the readiness checks, run with their details for a signed-in admin */
  health(): Promise<HealthCheck[]>;
  sweep: SweepControl;
}

/** The admin pages for this configuration, or undefined when they are off (no BRIDGE_PUBLIC_URL). */
export function adminPagesFor(config: BridgeConfig, core: BridgeCore, parts: AdminPagesParts, log: Logger): Router | undefined {
  const { publicUrl, sessionSecret } = config.admin;
  if (!publicUrl || !sessionSecret) return undefined;
  const { store, keycloak, bms, worker, rules } = core;
  const deps: AdminDeps = {
    store,
    stillAdmin: (username) => keycloak.hasRealmRole(username, config.admin.role),
    findUser: (query) => keycloak.findUser(query),
    employee: (id) => employeeNow(bms, id),
    preview: (request) => preview(parts.previewSource, request),
    converge: async (userId, by) => {
      const job = await store.jobs.enqueue({ userId, trigger: 'admin', eventId: `admin:${by}` }, config.jobs.maxAttempts);
      worker.kick();
      return job;
    },
    retry: async (jobId) => {
      const job = await store.jobs.revive(jobId);
      worker.kick();
      return job;
    },
    rules: async () => ({ ...rules.loads(), status: await rules.health() }),
    health: parts.health,
    budget: { limit: config.bms.rateLimit.perWindow, windowMs: config.bms.rateLimit.windowMs },
    sweep: parts.sweep,
    log,
  };
  const settings = {
    publicUrl,
    sessionSecret,
    entityId: config.admin.entityId ?? `${publicUrl}/admin`,
    idpSsoUrl: `${config.keycloak.baseUrl.replace(/\/$/, '')}/realms/${encodeURIComponent(config.keycloak.realm)}/protocol/saml`,
    role: config.admin.role,
    idleMs: config.admin.idleMs,
    absoluteMs: config.admin.absoluteMs,
    clockSkewMs: config.admin.clockSkewMs,
    roleRecheckMs: config.admin.roleRecheckMs,
  };
  return adminRouter(settings, deps);
}

/** What BMS holds for the employee now (a background-priority read), or why it cannot be read. */
async function employeeNow(bms: BridgeCore['bms'], id: number): Promise<EmployeeNow> {
  try {
    const e = await bms.getEmployee(id, PRIORITY_BACKGROUND);
    return { found: true, id: e.id, name: `${e.firstName} ${e.lastName}`, email: e.emailAddress, userName: e.userName, active: e.isActive };
  } catch (err) {
    if (err instanceof BmsError && err.kind === 'not-found') return { found: false, reason: `BMS has no employee ${id} (deleted in BMS?): the next job searches by e-mail` };
    return { found: false, reason: `BMS could not be read: ${(err as Error).message}` };
  }
}
