import { BrokerStack, chosenPort, startBrokerStack } from './broker-stack';
import { BmsStack, startBmsStack } from './bms-stack';
import { freePort } from './ports';
import { newWebhookSecret } from './webhook-secret';

export interface LocalStack {
  broker: BrokerStack;
  bms: BmsStack;
  stop(): Promise<void>;
}

export interface LocalStackPorts {
  keycloak?: number;
  keycloakManagement?: number;
  bmsApi?: number;
  bmsPortal?: number;
}

/** Everything the login path needs locally: the BMS emulator and portal, and Keycloak with both realms. */
export async function startLocalStack(ports: LocalStackPorts = {}, log: (line: string) => void = () => {}): Promise<LocalStack> {
  const portalPort = await chosenPort(ports.bmsPortal, 'BMS portal');
  const bms = await startBmsStack(await chosenPort(ports.bmsApi, 'BMS API emulator'), portalPort);
  log(`BMS API emulator on ${bms.apiUrl}`);
  let broker: BrokerStack;
  try {
    // until the bridge exists, the provisioning step points at a port where nothing listens: fail-open lets logins through
    const bridge = { BMS_BRIDGE_URL: `http://127.0.0.1:${await freePort()}/webhooks/keycloak`, BMS_WEBHOOK_SECRET: newWebhookSecret(), BRIDGE_KEYCLOAK_CLIENT_SECRET: newWebhookSecret() };
    broker = await startBrokerStack({ httpPort: ports.keycloak, managementPort: ports.keycloakManagement, realmValues: { ...bms.realmValues, ...bridge }, log });
    await bms.startPortal(`${broker.keycloak.baseUrl}/realms/${broker.brokerRealm}`);
  } catch (err) {
    await bms.stop();
    throw err;
  }
  log(`BMS portal on ${bms.portalUrl}`);
  return {
    broker,
    bms,
    stop: async () => {
      await bms.stop();
      await broker.stop();
    },
  };
}
