/**
 * Gauges read when Prometheus scrapes, on a prom-client registry: the value lives where it is
 * kept (the service's in-flight count, the store's health, a lease's role), so nothing has to
 * be told when it changes.
 */
import { Gauge, type LabelValues, type Registry } from 'prom-client';

/** A gauge without labels: `read()` at each scrape. */
export function scrapedGauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/** A gauge with labels: its series are exactly those `read()` gives at each scrape. */
export function scrapedLabelledGauge<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => Iterable<readonly [Record<L, string>, number]>,
): void {
  new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.set(labels as LabelValues<L>, value);
    },
  });
}
