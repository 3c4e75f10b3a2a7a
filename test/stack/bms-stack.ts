import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { signingCertFromDescriptor } from '../bms-emulator/idp-metadata';
import { ACS_PATH, createPortal } from '../bms-emulator/portal';
import { BmsEmulator, createBmsEmulator, EmulatorOptions } from '../bms-emulator/server';

export interface BmsStack {
  emulator: BmsEmulator;
  apiUrl: string;
  portalUrl: string;
  /** the values the broker realm's BMS client needs */
  realmValues: Record<string, string>;
  /** starts the portal once the broker realm exists (it needs the realm's signing certificate) */
  startPortal(brokerRealmUrl: string): Promise<void>;
  stop(): Promise<void>;
}

/** The BMS emulator API now, and the portal's address reserved for the realm file. */
export async function startBmsStack(apiPort: number, portalPort: number, options: EmulatorOptions = {}): Promise<BmsStack> {
  const emulator = createBmsEmulator(options);
  const api = await emulator.listen(apiPort);
  const portalUrl = `http://127.0.0.1:${portalPort}`;
  let portal: Server | undefined;
  return {
    emulator,
    apiUrl: api.url,
    portalUrl,
    realmValues: { BMS_SP_ENTITY_ID: portalUrl, BMS_SP_ACS_URL: `${portalUrl}${ACS_PATH}`, BMS_COMPANY_NAME: emulator.seed.tenant },
    startPortal: async (brokerRealmUrl) => {
      const app = createPortal({
        baseUrl: portalUrl,
        idpSsoUrl: `${brokerRealmUrl}/protocol/saml`,
        idpCert: await signingCertFromDescriptor(`${brokerRealmUrl}/protocol/saml/descriptor`),
        store: emulator.store,
        seed: emulator.seed,
      });
      portal = await new Promise<Server>((resolve, reject) => {
        const server = app.listen(portalPort, '127.0.0.1', () => resolve(server));
        server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`BMS portal: cannot listen on ${portalUrl} (${err.code ?? err.message})`)));
      });
      const { port } = portal.address() as AddressInfo;
      if (port !== portalPort) throw new Error(`BMS portal listens on ${port}, not ${portalPort}`);
    },
    stop: async () => {
      portal?.closeAllConnections();
      await new Promise<void>((resolve) => (portal ? portal.close(() => resolve()) : resolve()));
      await api.close();
    },
  };
}
