/**
 * Preloaded into the bot's own process by the chat benches (`node --import bot-probe.js
 * src/main.js`): event-loop lag, peak RSS and CPU of the real bot, over a window the bench opens
 * and closes through the IPC channel. It adds a 50 ms timer, a lag histogram and a GC observer, nothing else:
 * the timer reads RSS alone (`process.memoryUsage.rss()`, as the plain poller's sampler in
 * bench/load.ts does) and the heap only at a new peak; the bench counts the bot's open files from
 * its own process (`openFds`), so that neither costs the measured process more than the poller's
 * sampler costs the poller (a full `process.memoryUsage()` and a read of /proc/self/fd every 50 ms
 * did: about 120 ms of the bot's CPU in a `chat --cpu-prof` run).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

/** What the probe reports for the window between `probe:start` and `probe:report`. */
export interface ProbeReport {
  peakRssMb: number;
  /** V8 heap in use when RSS peaked. */
  heapUsedAtPeakMb: number;
  lagP99Ms: number;
  lagMaxMs: number;
  /** User + system CPU of the whole process in the window, in microseconds. */
  cpuUs: number;
  wallMs: number;
  /** Garbage collections in the window and how long they paused the main thread (Node's gc performance entries). */
  gcCount: number;
  gcMs: number;
  /** CPU in the window by thread (the main thread, V8's GC and compiler workers, libuv's pool), in ms; Linux only. */
  threadsCpuMs: Record<string, number>;
}

/** utime + stime of each of this process's threads, by thread name (Linux /proc), in ms. */
function threadTimes(): Map<string, number> {
  const byName = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = tid === String(process.pid) ? 'main' : (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[0-9]+$/, '').trim() || 'other');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      byName.set(name, (byName.get(name) ?? 0) + ticks * 10);
    }
  } catch {
    // Not Linux: no breakdown.
  }
  return byName;
}

if (process.send) {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  let peakRss = 0;
  let heapAtPeak = 0;
  let gcCount = 0;
  let gcMs = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcCount++;
      gcMs += e.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  let cpu0 = process.cpuUsage();
  let threads0 = threadTimes();
  let t0 = performance.now();
  const sample = () => {
    const rss = process.memoryUsage.rss();
    if (rss > peakRss) {
      peakRss = rss;
      heapAtPeak = process.memoryUsage().heapUsed;
    }
  };
  setInterval(sample, 50).unref();
  process.on('message', (m) => {
    if (m === 'probe:start') {
      lag.reset();
      lag.enable();
      peakRss = 0;
      sample();
      gcCount = 0;
      gcMs = 0;
      cpu0 = process.cpuUsage();
      threads0 = threadTimes();
      t0 = performance.now();
    } else if (m === 'probe:report') {
      const cpu = process.cpuUsage(cpu0);
      const threadsCpuMs: Record<string, number> = {};
      for (const [name, ms] of threadTimes()) threadsCpuMs[name] = ms - (threads0.get(name) ?? 0);
      sample();
      const report: ProbeReport = {
        peakRssMb: Math.round(peakRss / 1024 / 1024),
        heapUsedAtPeakMb: Math.round(heapAtPeak / 1024 / 1024),
        lagP99Ms: Number((lag.percentile(99) / 1e6).toFixed(1)),
        lagMaxMs: Number((lag.max / 1e6).toFixed(1)),
        cpuUs: cpu.user + cpu.system,
        wallMs: Math.round(performance.now() - t0),
        gcCount,
        gcMs: Math.round(gcMs),
        threadsCpuMs,
      };
      process.send?.({ probe: report });
    }
  });
  // The channel must not keep the bot alive once it decides to exit.
  process.channel?.unref();
}
