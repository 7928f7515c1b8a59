/**
 * Preloaded into the bot's own process by the chat benches (`node --import bot-probe.js
 * src/main.js`): event-loop lag, peak RSS and CPU of the real bot, over a window the bench opens
 * and closes through the IPC channel. It adds a 50 ms timer, a lag histogram and a GC observer, nothing else
 * (but what `--alloc-prof` and `--lag-turns` ask for):
 * the timer reads RSS alone (`process.memoryUsage.rss()`, as the plain poller's sampler in
 * bench/load.ts does) and the heap only at a new peak; the bench counts the bot's open files from
 * its own process (`openFds`), so that neither costs the measured process more than the poller's
 * sampler costs the poller (a full `process.memoryUsage()` and a read of /proc/self/fd every 50 ms
 * did: about 120 ms of the bot's CPU in a `chat --cpu-prof` run).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { basename, join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { type LateTurnsWindow, markLateTurns } from './late-turns-mark.js';

/**
 * `npm run bench -- chat|discord-chat --alloc-prof` sets this to a directory: the window's
 * allocations are then sampled (V8's sampling heap profiler, collected objects included, one
 * sample per 16 KB) and written there as `<entry>-<pid>.heapprofile` before the report is sent.
 * The sampling costs CPU and memory of its own: such a run's figures are not the goals'.
 */
const ALLOC_PROF_DIR = process.env.BENCH_ALLOC_PROF_DIR;

/** `--lag-turns` (bench/late-turns-mark): each window's late turns are written here as `<entry>-<pid>-<k>.lateturns.json` before the report is sent. */
const LATE_TURNS_DIR = process.env.BENCH_LAG_TURNS_DIR;

/** Starts sampling this process's allocations; `stop` writes the profile to `file`. */
async function sampleAllocations(): Promise<{ stop(file: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  // The two include… options (V8 11+) are missing from @types/node 20's protocol types.
  await session.post('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as { samplingInterval: number });
  return {
    async stop(file) {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

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
  let allocations: Promise<{ stop(file: string): Promise<void> }> | null = null;
  let lateTurns: { stop(): LateTurnsWindow } | null = null;
  let windows = 0;
  process.on('message', (m) => {
    if (m === 'probe:start') {
      if (ALLOC_PROF_DIR) allocations = sampleAllocations();
      if (LATE_TURNS_DIR) lateTurns = markLateTurns();
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
      if (lateTurns && LATE_TURNS_DIR) {
        const w = lateTurns.stop();
        writeFileSync(join(LATE_TURNS_DIR, `${w.entry}-${w.pid}-${++windows}.lateturns.json`), JSON.stringify(w));
        lateTurns = null;
      }
      const send = () => process.send?.({ probe: report });
      if (!allocations || !ALLOC_PROF_DIR) return void send();
      const dir = ALLOC_PROF_DIR;
      void allocations.then((a) => a.stop(join(dir, `${basename(process.argv[1] ?? 'process', '.js')}-${process.pid}.heapprofile`))).then(send, (err: unknown) => {
        // The figures still count; only the profile is missing (the bench's log says so).
        process.stderr.write(`bot-probe: no allocation profile: ${String(err)}\n`);
        send();
      });
      allocations = null;
    }
  });
  // The channel must not keep the bot alive once it decides to exit.
  process.channel?.unref();
}
