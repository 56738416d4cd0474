// The bench's two phases of a shape, before and after ANALYZE, differ in the planner's statistics
// only: the server under test answers the same read requests in the same order in both, so a
// lookup's figure before ANALYZE is not that of a colder server (bench/context.ts, phaseSections).
import { describe, expect, it } from "vitest";
import { phaseSections, SECTIONS, type Section } from "../../bench/context.js";
import { prose } from "../../src/lib/prose.js";

describe("the bench's phases", () => {
  it(prose`
    when a shape is measured before and after ANALYZE, then the before-ANALYZE suites run every read section the
    analysed ones run (planning and throughput too, before the lookups), in the same order, and no writes
  `, () => {
    const after = phaseSections("settled", SECTIONS);
    const before = phaseSections("fresh", SECTIONS);
    expect(after).toEqual([...SECTIONS]);
    expect(before).toEqual(after.filter((section) => section !== "writes"));
    const beforeLookups = (sections: Section[]) => sections.slice(0, sections.indexOf("lookups"));
    expect(beforeLookups(before)).toEqual(beforeLookups(after));
  });

  it(prose`
    when only some sections are asked (--only), then both phases run those, writes aside before ANALYZE
  `, () => {
    expect(phaseSections("fresh", ["lookups"])).toEqual(["lookups"]);
    expect(phaseSections("settled", ["lookups"])).toEqual(["lookups"]);
    expect(phaseSections("fresh", ["throughput", "writes"])).toEqual(["throughput"]);
    expect(phaseSections("settled", ["throughput", "writes"])).toEqual(["throughput", "writes"]);
  });
});
