import { Worker } from '../jobs/worker';
import { JobStore } from '../jobs/job-store';
import { Logger } from '../log/logger';
import { Provisioner } from '../provisioning/provisioner';
import { RuleSource } from '../rules/rule-source';
import { WebhookHandlers } from './app';

/**
 * The webhook handlers of a running bridge. A login is answered within the budget: provisioned (the job finished),
 * pending (it goes on in the background), or denied. User events queue deactivation or reactivation; a rule
 * change drops the rule cache.
 */
export function webhookHandlers(provisioner: Provisioner, worker: Worker, store: JobStore, rules: RuleSource, budgetMs: number, maxAttempts: number, log: Logger): WebhookHandlers {
  return {
    login: async (login) => {
      const started = Date.now();
      const accepted = await provisioner.accept(login);
      if ('answer' in accepted) return accepted.answer;
      worker.kick();
      const job = await worker.waitFor(accepted.job.id, Math.max(0, budgetMs - (Date.now() - started)));
      if (job?.state === 'done') {
        const result = job.result as { employeeId?: number } | null;
        return { status: 'provisioned', employeeId: result?.employeeId };
      }
      log.info({ jobId: accepted.job.id, state: job?.state }, 'login answered pending; the job goes on in the background');
      return { status: 'pending' };
    },
    event: async (event) => {
      if (event.type === 'rules.changed') {
        rules.invalidate();
        log.info({ idpAlias: event.idpAlias, operation: event.operation }, 'BMS rules changed in Keycloak; cache dropped');
        return;
      }
      const kind = event.type === 'user.enabled' ? 'reactivate' : 'deactivate';
      // most user updates (the bridge's own write-back included) change nothing for BMS: no job for those
      if (!provisioner.activityChangeNeeded(event.userId, kind === 'reactivate')) {
        log.debug({ userId: event.userId, type: event.type }, 'no BMS employee to change; nothing to do');
        return;
      }
      store.enqueue(kind, event.userId, event, maxAttempts);
      worker.kick();
    },
  };
}
