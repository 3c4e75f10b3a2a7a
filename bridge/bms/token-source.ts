import { z } from 'zod';

import { Logger } from '../log/logger';
import { BmsClientConfig } from './config';
import { BmsError } from './errors';
import { tokenSchema } from './schemas';
import { BmsTransport, TokenProvider } from './transport';

interface Held {
  accessToken: string;
  refreshToken?: string;
  accessExpires: number;
  refreshExpires: number;
}

/**
 * The BMS bearer token: obtained once, shared by every call, refreshed (or obtained again) shortly before it
 * expires, and dropped when BMS refuses it. Concurrent callers wait for one authentication, not one each.
 */
export class TokenSource implements TokenProvider {
  private held?: Held;
  private pending?: Promise<string>;

  constructor(
    private readonly config: BmsClientConfig,
    private readonly transport: BmsTransport,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<string> {
    if (this.held && this.now() < this.held.accessExpires - this.config.tokenRefreshMarginMs) return Promise.resolve(this.held.accessToken);
    this.pending ??= this.obtain().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** When the access token in hand expires (epoch ms); undefined when none is held. Never authenticates. */
  get expiresAt(): number | undefined {
    return this.held?.accessExpires;
  }

  invalidate(token: string): void {
    if (this.held?.accessToken === token) this.held = undefined;
  }

  private async obtain(): Promise<string> {
    const held = this.held;
    if (held?.refreshToken && this.now() < held.refreshExpires - this.config.tokenRefreshMarginMs) {
      try {
        return this.keep(await this.refresh(held));
      } catch (err) {
        this.log.info({ reason: (err as Error).message }, 'BMS token refresh failed; authenticating again');
      }
    }
    return this.keep(await this.authenticate());
  }

  private async authenticate(): Promise<z.output<typeof tokenSchema>> {
    const { tenant, userName, password, mfaCode } = this.config;
    try {
      const { result } = await this.transport.call(
        { method: 'POST', path: '/v2/security/authenticate', endpoint: 'POST /v2/security/authenticate', auth: false, form: { grantType: 'password', userName, password, tenant, mfaCode } },
        tokenSchema,
      );
      this.log.info({ tenant, userName }, 'authenticated to BMS');
      return result;
    } catch (err) {
      if (err instanceof BmsError && (err.kind === 'auth' || err.kind === 'rejected')) {
        throw new BmsError('auth', `BMS refused the API user '${userName}' for tenant '${tenant}': ${err.message}. Check the API user's name, password and tenant (the company name under My Settings), and the MFA code if the user needs one.`, err.details);
      }
      throw err;
    }
  }

  private async refresh(held: Held): Promise<z.output<typeof tokenSchema>> {
    const { result } = await this.transport.call(
      { method: 'POST', path: '/v2/security/refreshtoken', endpoint: 'POST /v2/security/refreshtoken', auth: false, form: { accessToken: held.accessToken, refreshToken: held.refreshToken } },
      tokenSchema,
    );
    return result;
  }

  private keep(token: z.output<typeof tokenSchema>): string {
    const accessExpires = Date.parse(token.accessTokenExpireOn);
    if (Number.isNaN(accessExpires)) throw new BmsError('unexpected', `BMS token answer has no usable accessTokenExpireOn ('${token.accessTokenExpireOn}')`);
    this.held = {
      accessToken: token.accessToken,
      refreshToken: token.refreshToken ?? undefined,
      accessExpires,
      refreshExpires: token.refreshTokenExpireOn ? Date.parse(token.refreshTokenExpireOn) || 0 : 0,
    };
    return token.accessToken;
  }
}
