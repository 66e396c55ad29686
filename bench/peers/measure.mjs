// measure.mjs — what the peers' drivers (aws.mjs, restate-driver.mjs) measure
// alike: the median of a list of times, and the throughput of a call run N
// times with a number of them in flight.

export const p50 = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) * 0.5)];
};

// once() called runs times, inFlight at a time; calls per second.
export async function perSecond(runs, inFlight, once) {
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < runs) {
        next++;
        await once();
      }
    }),
  );
  return runs / ((performance.now() - t) / 1e3);
}
