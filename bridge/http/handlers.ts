import { JobQueue } from '../jobs/job-queue';
import { Worker } from '../jobs/worker';
import { Logger } from '../log/logger';
import { LoginAnswerer, loginRequestOf } from '../login/answer-login';
import { WebhookHandlers } from './app';

/**
 * The webhook handlers of a running bridge: translation only. A login is answered by the login use case; every
 * user event only says "look at this user" (a background converge job reads the truth); a rule change drops the
 * rule cache. The switch is exhaustive: a new event type that is not handled here does not compile.
 */
export function webhookHandlers(answerer: LoginAnswerer, worker: Worker, jobs: JobQueue, rulesChanged: () => Promise<void>, maxAttempts: number, log: Logger): WebhookHandlers {
  return {
    login: (body) => answerer.answer(loginRequestOf(body)),
    event: async (event) => {
      switch (event.type) {
        case 'rules.changed':
          await rulesChanged();
          log.info({ idpAlias: event.idpAlias, operation: event.operation }, 'BMS rules changed in Keycloak; cache dropped');
          return;
        case 'user.deleted':
        case 'user.disabled':
        case 'user.enabled':
        case 'user.updated':
          await jobs.enqueue({ userId: event.userId, trigger: 'event', eventId: event.eventId }, maxAttempts);
          worker.kick();
          return;
        default: {
          const unhandled: never = event;
          throw new Error(`unhandled webhook type ${(unhandled as { type: string }).type}`);
        }
      }
    },
  };
}
