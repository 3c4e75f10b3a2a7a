import { ConvergeRequest, Job, JobPayload, JobState, PRIORITY, Trigger } from './job-queue';

const MAX_TRIGGERS = 20;

/** The payload of a new job for `request`, received at `now` (epoch ms). */
export function firstPayload(request: ConvergeRequest, now: number): JobPayload {
  return { triggers: [entryOf(request, now)], ...(request.login ? { login: request.login } : {}), ...(request.mayCreate ? { mayCreate: true } : {}), ...(request.reread ? { reread: true } : {}) };
}

/** What a waiting job becomes when `request` merges into it. */
export interface MergedJob {
  payload: JobPayload;
  priority: number;
  trigger: Trigger;
  runAt: number;
  attempts: number;
  state: JobState;
}

/**
 * Merges a request into the user's waiting job: the newest login's facts win, the highest priority wins, and a live
 * trigger (anything but the sweep) makes it run now with fresh attempts. The same rule for every store.
 */
export function mergeInto(waiting: Pick<Job, 'payload' | 'priority' | 'trigger' | 'runAt' | 'attempts' | 'state'>, request: ConvergeRequest, now: number): MergedJob {
  const priority = PRIORITY[request.trigger];
  // a later non-login trigger means Keycloak may have changed since the sign-in: its facts are no longer the newest
  const login = request.login ?? (request.trigger === 'sweep' ? waiting.payload.login : undefined);
  const payload: JobPayload = {
    triggers: [...waiting.payload.triggers, entryOf(request, now)].slice(-MAX_TRIGGERS),
    ...(login ? { login } : {}),
    ...(request.mayCreate || waiting.payload.mayCreate ? { mayCreate: true } : {}),
    ...(request.reread || waiting.payload.reread ? { reread: true } : {}),
  };
  const live = request.trigger !== 'sweep';
  const higher = priority > waiting.priority;
  return {
    payload,
    priority: higher ? priority : waiting.priority,
    trigger: higher ? request.trigger : waiting.trigger,
    runAt: live ? Math.min(waiting.runAt, now) : waiting.runAt,
    attempts: live ? 0 : waiting.attempts,
    state: live ? 'queued' : waiting.state,
  };
}

/**
 * A job that goes back to waiting (a retry after a failure, a resumed or released lease, a revived dead job) while a
 * newer job of the same user already waits: the newer one takes over its work, so a user never has two waiting jobs.
 * The newer job's facts, priority, due time and attempts stay (it is the newer request); triggers and flags are joined.
 */
export function absorb(waiting: Pick<Job, 'payload' | 'priority' | 'trigger' | 'runAt' | 'attempts' | 'state'>, returning: Pick<Job, 'payload'>): MergedJob {
  const login = waiting.payload.login ?? returning.payload.login;
  const payload: JobPayload = {
    triggers: [...returning.payload.triggers, ...waiting.payload.triggers].slice(-MAX_TRIGGERS),
    ...(login ? { login } : {}),
    ...(waiting.payload.mayCreate || returning.payload.mayCreate ? { mayCreate: true } : {}),
    ...(waiting.payload.reread || returning.payload.reread ? { reread: true } : {}),
  };
  return { payload, priority: waiting.priority, trigger: waiting.trigger, runAt: waiting.runAt, attempts: waiting.attempts, state: waiting.state };
}

/** What a job that was absorbed by another keeps as its result (state done): where its work went. */
export interface MergedInto {
  mergedInto: number;
}

/** The job id a finished job's work went to, if it was absorbed. */
export function mergedInto(result: unknown): number | undefined {
  const id = (result as Partial<MergedInto> | null)?.mergedInto;
  return typeof id === 'number' ? id : undefined;
}

/**
 * The priority of a job that goes back to waiting: whoever waited for it live was answered long ago (a retry, an
 * expired lease), so a sign-in's job continues as background work behind live sign-ins; a new sign-in of the same user
 * raises it again when it merges in.
 */
export function waitingPriority(priority: number): number {
  return Math.min(priority, PRIORITY.event);
}

/** A stored payload read back: unknown keys dropped, old payloads without triggers given an empty list. */
export function payloadOf(stored: Partial<JobPayload> | null): JobPayload {
  return { triggers: stored?.triggers ?? [], ...(stored?.login ? { login: stored.login } : {}), ...(stored?.mayCreate ? { mayCreate: true } : {}), ...(stored?.reread ? { reread: true } : {}) };
}

/** Each death doubles the wait before the sweep tries the user again, up to a week; a login or an event still runs at once. */
export function sweepWaitMs(failures: number, sweepIntervalMs: number): number {
  return Math.min(7 * 24 * 3_600_000, Math.max(sweepIntervalMs, 60_000) * 2 ** Math.min(failures, 20));
}

function entryOf(request: ConvergeRequest, now: number): JobPayload['triggers'][number] {
  return { trigger: request.trigger, ...(request.eventId ? { eventId: request.eventId } : {}), at: now };
}
