import { startBridge } from '../bridge/bridge';
import { loadConfig } from '../bridge/config/config';
import { silentLogger } from '../bridge/log/logger';

/** The bridge in its own process, configured by environment, so its resident memory can be read alone. */
startBridge(loadConfig(), silentLogger).then(
  (bridge) => process.stdout.write(`READY ${bridge.url}\n`),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
