import { randomUUID } from 'node:crypto';

import { Webhook } from 'standardwebhooks';

/** A Keycloak user as a signed webhook describes them. */
export interface WebhookUser {
  id: string;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  domain: string;
  groups: string[];
}

export interface SentWebhook {
  id: string;
  status: number;
  /** the bridge answered from its store: `webhook-replay: true` */
  replay: boolean;
  json: unknown;
}

/**
 * Signed Standard Webhooks sent straight to a bridge, as the plugin would send them (README, "Webhook contract";
 * /work/notes/issue10-spec.md for the user events). A test picks the webhook id (to send a duplicate) and may sign
 * with a wrong secret.
 */
export class WebhookSender {
  private readonly signer: Webhook;

  /** @param url the bridge's webhook URL now (the bridge may have been restarted on another port) */
  constructor(private readonly url: () => string, secret: string, private readonly realm: () => string) {
    this.signer = new Webhook(secret);
  }

  /** The login webhook of the provisioning step; idpAlias null for a local (password) account. */
  login(user: WebhookUser, idpAlias: string | null = 'passly'): Record<string, unknown> {
    return {
      type: 'login.provisioning_requested',
      eventId: `test-login-${randomUUID()}`,
      realm: this.realm(),
      idpAlias,
      clientId: 'account-console',
      user: { id: user.id, username: user.username, subject: idpAlias ? user.email : null, email: user.email, firstName: user.firstName, lastName: user.lastName, upn: user.email, domain: user.domain, groups: user.groups },
      firstLogin: true,
      time: new Date().toISOString(),
    };
  }

  /** A user event of the listener: user.enabled / user.disabled / user.updated carry the username, user.deleted does not. */
  userEvent(type: 'user.enabled' | 'user.disabled' | 'user.deleted' | 'user.updated', user: Pick<WebhookUser, 'id' | 'username'>): Record<string, unknown> {
    return {
      type,
      eventId: `test-${type}-${randomUUID()}`,
      realm: this.realm(),
      userId: user.id,
      ...(type === 'user.deleted' ? {} : { username: user.username }),
      time: new Date().toISOString(),
    };
  }

  async send(body: Record<string, unknown>, options: { id?: string; signer?: Webhook; url?: string } = {}): Promise<SentWebhook> {
    const raw = JSON.stringify(body);
    const id = options.id ?? `msg_${randomUUID()}`;
    const now = new Date();
    const res = await fetch(options.url ?? this.url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': (options.signer ?? this.signer).sign(id, now, raw) },
      body: raw,
    });
    const text = await res.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text) as unknown;
    } catch {
      // not JSON: kept as text for the assertion message
    }
    return { id, status: res.status, replay: res.headers.get('webhook-replay') === 'true', json };
  }
}
