// A task for bounded-pool.test.ts: says it started, then keeps its thread busy for `spinMs`.
export default function spin({ spinMs, started }) {
  started.postMessage('started');
  started.close();
  const end = Date.now() + spinMs;
  while (Date.now() < end);
  return 'done';
}
