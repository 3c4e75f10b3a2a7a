import type { Server } from 'node:http';

import { ACS_PATH, createPortal } from '../bms-emulator/portal';
import { signingCertFromDescriptor } from '../bms-emulator/idp-metadata';
import { BmsEmulator } from '../bms-emulator/server';
import { main as cli } from '../../bridge/cli/main';
import { freePort } from '../stack/ports';

/** What one `bridge setup …` run printed, and its exit code. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in this process with the environment given (secrets go there, never into argv). */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await cli(argv, env, (t) => void (out += t), (t) => void (err += t));
  return { code, out, err };
}

/** A BMS portal (SAML service provider) on a port of its own, trusting one realm; its URL is known before it starts. */
export interface OwnPortal {
  url: string;
  acsUrl: string;
  /** starts it once the realm trusts it (it reads the realm's signing certificate) */
  start(realmUrl: string, emulator: BmsEmulator): Promise<void>;
  stop(): Promise<void>;
}

export async function ownPortal(): Promise<OwnPortal> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let server: Server | undefined;
  return {
    url,
    acsUrl: `${url}${ACS_PATH}`,
    start: async (realmUrl, emulator) => {
      const app = createPortal({ baseUrl: url, idpSsoUrl: `${realmUrl}/protocol/saml`, idpCert: await signingCertFromDescriptor(`${realmUrl}/protocol/saml/descriptor`), store: emulator.store, seed: emulator.seed });
      server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(port, '127.0.0.1', () => resolve(s));
        s.once('error', reject);
      });
    },
    stop: async () => {
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}
