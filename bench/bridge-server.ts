import { startBridge } from '../bridge/bridge';
import { loadConfig } from '../bridge/config/config';
import { silentLogger } from '../bridge/log/logger';

/** The bridge in its own process, configured by environment, so its resident memory can be read alone. */
startBridge(loadConfig(), silentLogger).then(
  (bridge) => {
    process.stdout.write(`READY ${bridge.url}\n`);
    // stopped by the bench with SIGTERM: exit normally, so V8 flags such as --cpu-prof can write their files
    process.once('SIGTERM', () => {
      bridge.stop().finally(() => process.exit(0));
      setTimeout(() => process.exit(0), 2000).unref();
    });
  },
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
