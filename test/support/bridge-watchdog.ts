/**
 * Preloaded (`node --require`) into every bridge process that test/support/bridge-processes.ts spawns: the process
 * kills itself when the test process that started it is gone. afterAll stops the bridges on any failure, but a Jest
 * worker that is itself killed (a timeout, Ctrl-C twice, an OOM) runs no afterAll and no exit hook; without this a
 * bridge would keep its port and its PostgreSQL connections for good.
 */
const parent = Number(process.env.BMS_JIT_TEST_PARENT_PID);

if (Number.isInteger(parent) && parent > 0) {
  const check = setInterval(() => {
    let alive = process.ppid === parent;
    if (alive) {
      try {
        process.kill(parent, 0);
      } catch {
        alive = false;
      }
    }
    // SIGKILL, not exit(): the parent is gone, nobody waits for a graceful stop, and a stuck event loop must not keep it
    if (!alive) process.kill(process.pid, 'SIGKILL');
  }, 500);
  check.unref();
}

export {};
