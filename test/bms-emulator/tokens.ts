import { randomBytes } from 'node:crypto';

export interface ApiUser {
  userName: string;
  password: string;
  tenant: string;
  /** when set, authenticate must carry this MFA code */
  mfaCode?: string;
}

interface Grant {
  tenant: string;
  userName: string;
  accessToken: string;
  refreshToken: string;
  accessExpires: number;
  refreshExpires: number;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  accessTokenExpireOn: string;
  refreshTokenExpireOn: string;
}

/** Issues and checks the emulator's opaque bearer tokens, with expiry on the emulator's clock. */
export class TokenIssuer {
  private readonly byAccess = new Map<string, Grant>();
  private readonly byRefresh = new Map<string, Grant>();
  issued = 0;

  constructor(
    private readonly accessTtlMs: () => number,
    private readonly refreshTtlMs: () => number,
    private readonly now: () => number,
  ) {}

  issue(tenant: string, userName: string): TokenPair {
    const grant: Grant = {
      tenant,
      userName,
      accessToken: `emu-at-${randomBytes(18).toString('base64url')}`,
      refreshToken: `emu-rt-${randomBytes(18).toString('base64url')}`,
      accessExpires: this.now() + this.accessTtlMs(),
      refreshExpires: this.now() + this.refreshTtlMs(),
    };
    this.byAccess.set(grant.accessToken, grant);
    this.byRefresh.set(grant.refreshToken, grant);
    this.issued += 1;
    return pairOf(grant);
  }

  /** The grant behind a bearer token, or why it cannot be used. */
  check(accessToken: string): Grant | 'unknown' | 'expired' {
    const grant = this.byAccess.get(accessToken);
    if (!grant) return 'unknown';
    return grant.accessExpires <= this.now() ? 'expired' : grant;
  }

  /** A new pair for a refresh token that belongs to the access token; the old pair stops working. */
  refresh(accessToken: string, refreshToken: string): TokenPair | undefined {
    const grant = this.byRefresh.get(refreshToken);
    if (!grant || grant.accessToken !== accessToken || grant.refreshExpires <= this.now()) return undefined;
    this.byAccess.delete(grant.accessToken);
    this.byRefresh.delete(grant.refreshToken);
    return this.issue(grant.tenant, grant.userName);
  }

  expireAll(): void {
    for (const grant of this.byAccess.values()) grant.accessExpires = 0;
  }
}

function pairOf(grant: Grant): TokenPair {
  return {
    accessToken: grant.accessToken,
    refreshToken: grant.refreshToken,
    accessTokenExpireOn: new Date(grant.accessExpires).toISOString(),
    refreshTokenExpireOn: new Date(grant.refreshExpires).toISOString(),
  };
}
