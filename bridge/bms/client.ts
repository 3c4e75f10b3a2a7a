import { Logger, silentLogger } from '../log/logger';
import { BmsClientConfigInput, parseBmsClientConfig } from './config';
import { EmployeeChanges, EmployeeWriter, findEmployeeByEmail, findEmployeeOf, NewEmployee } from './employees';
import { Lookups } from './lookups';
import { CallBudget, CallPriority, sharedRateLimiter } from './rate-limiter';
import { Employee, EmployeeSummary } from './schemas';
import { TokenSource } from './token-source';
import { BmsTransport, Exchange } from './transport';

export interface BmsClientOptions {
  logger?: Logger;
  /** defaults to the process-wide limiter for this BMS host and tenant; a bridge passes the budget shared through its store */
  rateLimiter?: CallBudget;
}

/** Calls made on behalf of a live login go first; the sweep passes a lower priority. */
export const PRIORITY_LOGIN = 10;
export const PRIORITY_BACKGROUND = 0;

/** The BMS API as the bridge uses it. One instance per BMS tenant; safe to share between concurrent callers. */
export class BmsClient {
  readonly lookups: Lookups;
  private readonly writer: EmployeeWriter;
  private readonly transport: BmsTransport;
  private readonly pageSize: number;
  private readonly tokens: TokenSource;

  constructor(settings: BmsClientConfigInput, options: BmsClientOptions = {}) {
    const config = parseBmsClientConfig(settings);
    const log = options.logger ?? silentLogger;
    const limiter = options.rateLimiter ?? sharedRateLimiter(`${config.baseUrl}|${config.tenant.toLowerCase()}`, config.rateLimit);
    this.transport = new BmsTransport(config, limiter, log);
    this.tokens = new TokenSource(config, this.transport, log);
    this.transport.useTokens(this.tokens);
    this.lookups = new Lookups(this.transport, config.lookupTtlMs, config.employmentTypeTable);
    this.writer = new EmployeeWriter(this.transport, config.writeContract);
    this.pageSize = config.searchPageSize;
  }

  /**
   * For readiness: what the latest real exchange with BMS said, without calling BMS (a probe must never start an
   * authentication: BMS counts those against the API user's limit too). undefined when it went well or none was made
   * yet; else what was wrong and when.
   */
  health(): string | undefined {
    const last = this.transport.lastExchange;
    return last?.problem ? `BMS, at ${new Date(last.at).toISOString()}: ${last.problem}` : undefined;
  }

  /** The latest exchange with BMS, and when the access token in hand expires (epoch ms; undefined: none held). */
  state(): { lastExchange?: Exchange; tokenExpiresAt?: number } {
    return { lastExchange: this.transport.lastExchange, tokenExpiresAt: this.tokens.expiresAt };
  }

  /** Calls `observer` after every HTTP exchange with BMS (the metrics count them by endpoint and status). */
  onExchange(observer: (exchange: Exchange) => void): void {
    this.transport.onExchange(observer);
  }

  findEmployeeByEmail(email: string, priority: CallPriority = PRIORITY_LOGIN): Promise<EmployeeSummary | undefined> {
    return findEmployeeByEmail(this.transport, email, this.pageSize, priority);
  }

  /** By e-mail, else by user name (see findEmployeeOf). */
  findEmployeeOf(email: string, userName: string, priority: CallPriority = PRIORITY_LOGIN): Promise<EmployeeSummary | undefined> {
    return findEmployeeOf(this.transport, email, userName, this.pageSize, priority);
  }

  getEmployee(id: number, priority: CallPriority = PRIORITY_LOGIN): Promise<Employee> {
    return this.writer.get(id, priority);
  }

  createEmployee(employee: NewEmployee, priority: CallPriority = PRIORITY_LOGIN): Promise<Employee> {
    return this.writer.create(employee, priority);
  }

  updateEmployee(id: number, changes: EmployeeChanges, priority: CallPriority = PRIORITY_LOGIN): Promise<Employee> {
    return this.writer.update(id, changes, priority);
  }

  deactivateEmployee(id: number, priority: CallPriority = PRIORITY_LOGIN): Promise<Employee> {
    return this.writer.deactivate(id, priority);
  }

  reactivateEmployee(id: number, priority: CallPriority = PRIORITY_LOGIN): Promise<Employee> {
    return this.writer.reactivate(id, priority);
  }
}
