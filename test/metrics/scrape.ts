// Reading Prometheus's text exposition format the way a scraper does: the families (from their
// # TYPE lines) and every sample with its labels.
import { expect } from "vitest";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  text: string;
  /** Family name → type (counter, gauge, histogram, summary). */
  families: Map<string, string>;
  samples: Sample[];
  /** The value of the one sample with this name whose labels include these; 0 when there is none. */
  value(name: string, labels?: Record<string, string>): number;
}

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Scrape {
  const families = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) families.set(type[1]!, type[2]!);
    if (line.startsWith("#")) continue;
    const match = SAMPLE.exec(line);
    expect(match, `not a sample line: ${line}`).not.toBeNull();
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match![2] ?? "").matchAll(LABEL))
      labels[name!] = value!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    samples.push({ name: match![1]!, labels, value: Number(match![3]) });
  }
  return {
    text,
    families,
    samples,
    value(name, labels = {}) {
      const found = samples.filter(
        (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
      );
      expect(found.length, `${name} ${JSON.stringify(labels)} matches ${found.length} samples`).toBeLessThanOrEqual(1);
      return found[0]?.value ?? 0;
    },
  };
}

/** The sample names a family exposes (a histogram's _bucket, _sum and _count). */
export function sampleNamesOf(families: Map<string, string>): Set<string> {
  const names = new Set<string>();
  for (const [family, type] of families) {
    names.add(family);
    if (type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(family + suffix);
    if (type === "summary") for (const suffix of ["_sum", "_count"]) names.add(family + suffix);
  }
  return names;
}
