// The checked-in operations files: the Grafana dashboard (ops/grafana/pos-bridge.json) and the
// Prometheus alert rules (ops/prometheus/alerts.yml). Every query of both is parsed by the PromQL
// parser of Prometheus's own UI (@prometheus-io/lezer-promql) and must name only metrics that
// GET /metrics exports; the rules are also checked and unit-tested by promtool where it is
// installed (npm test's pretest installs Debian's prometheus when it can).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { parser } from "@prometheus-io/lezer-promql";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { prose } from "../../src/lib/prose.js";
import { createTestApp } from "../helpers/app.js";
import { makeKey, makeMerchant } from "../helpers/factories.js";
import { parseExposition, sampleNamesOf } from "./scrape.js";

const { app, db } = await createTestApp();
const { key } = await makeKey(db, (await makeMerchant(db)).id, { scopes: ["metrics:read"] });
const scrape = parseExposition((await request(app).get("/metrics").set("x-apikey", key)).text);
const exported = sampleNamesOf(scrape.families);
const serviceFamilies = [...scrape.families.keys()].filter((name) => name.startsWith("posbridge_"));

const dashboard = JSON.parse(await readFile("ops/grafana/pos-bridge.json", "utf8"));
const rules = parse(await readFile("ops/prometheus/alerts.yml", "utf8"));

/** What Grafana puts in place of its variables before the query reaches Prometheus. */
const interpolate = (expr: string) => expr.replaceAll("$__rate_interval", "5m").replaceAll("$instance", ".*");

/** The metric names a PromQL expression selects; fails on any syntax error. */
function metricsOf(expr: string): string[] {
  const names: string[] = [];
  const errors: number[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector")
        names.push(expr.slice(node.from, node.to));
    },
  });
  expect(errors, `syntax errors at ${errors.join(", ")} in ${expr}`).toEqual([]);
  return names;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
}
const panels = dashboard.panels as Panel[];
const queryPanels = panels.filter((p) => p.type !== "row");

describe("the Grafana dashboard", () => {
  it(prose`
    when loaded, then it is a dashboard: title, uid, schema version, time range, variables and panels with unique ids on
    the 24-column grid, none overlapping
  `, () => {
    expect(dashboard).toMatchObject({
      title: "pos-bridge",
      uid: "pos-bridge",
      time: { from: expect.any(String), to: "now" },
    });
    expect(Number.isInteger(dashboard.schemaVersion)).toBe(true);
    expect(dashboard.templating.list.map((v: { name: string }) => v.name)).toEqual(["datasource", "instance"]);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const cells = new Set<string>();
    for (const { gridPos: g, title } of panels) {
      for (const n of [g.h, g.w, g.x, g.y]) expect(Number.isInteger(n) && n >= 0, title).toBe(true);
      expect(g.x + g.w, title).toBeLessThanOrEqual(24);
      for (let y = g.y; y < g.y + g.h; y++) {
        for (let x = g.x; x < g.x + g.w; x++) {
          expect(cells.has(`${x},${y}`), `${title} overlaps another panel at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
    expect(queryPanels.length).toBeGreaterThanOrEqual(15);
    for (const panel of queryPanels) {
      expect(["timeseries", "stat", "gauge", "bargauge", "table"], panel.title).toContain(panel.type);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template
      expect(panel.datasource, panel.title).toEqual({ type: "prometheus", uid: "${datasource}" });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      expect(new Set(panel.targets!.map((t) => t.refId)).size, panel.title).toBe(panel.targets!.length);
    }
  });

  it.each(queryPanels.map((p) => [p.title, p] as const))(
    "when the panel %s queries, then its PromQL parses and names only exported metrics",
    (_title, panel) => {
      for (const target of panel.targets!) {
        const names = metricsOf(interpolate(target.expr));
        expect(names.length, target.expr).toBeGreaterThan(0);
        for (const name of names)
          expect(exported.has(name), `${name} (in ${panel.title}) is not exported by GET /metrics`).toBe(true);
      }
    },
  );

  it("when every panel is read, then every family of the service is charted somewhere", () => {
    const charted = new Set(queryPanels.flatMap((p) => p.targets!.flatMap((t) => metricsOf(interpolate(t.expr)))));
    const family = (name: string) =>
      serviceFamilies.find((f) => name === f || name.replace(/_(bucket|sum|count)$/, "") === f);
    expect(serviceFamilies.filter((f) => ![...charted].some((name) => family(name) === f))).toEqual([]);
  });

  it("when the instance variable is asked for its values, then it lists a label the metrics carry", () => {
    const instance = dashboard.templating.list[1];
    expect(metricsOf(instance.definition.replace(/^label_values\((\w+), instance\)$/, "$1"))).toEqual([
      "posbridge_http_request_duration_seconds_count",
    ]);
  });
});

describe("the alert rules", () => {
  const alerts = (rules.groups as { rules: { alert: string; expr: string; for: string }[] }[]).flatMap((g) => g.rules);

  it(prose`
    when read, then they alert on feed lag over 5 minutes, the 5xx rate, pool saturation and a growing rollup backlog,
    each over exported metrics
  `, () => {
    expect(alerts.map((a) => a.alert)).toEqual([
      "PosBridgeFeedLagHigh",
      "PosBridgeHigh5xxRate",
      "PosBridgeDbPoolSaturated",
      "PosBridgeRollupBacklogGrowing",
    ]);
    expect(alerts[0]!.expr).toContain("> 300");
    for (const alert of alerts) {
      for (const name of metricsOf(alert.expr))
        expect(exported.has(name), `${name} (in ${alert.alert}) is not exported`).toBe(true);
    }
  });

  it(prose`
    when validated, then promtool (where installed) checks the file and its unit tests pass; otherwise the PromQL parser
    alone has checked every rule, and the test says so
  `, ({ annotate }) => {
    const promtool = process.env.PROMTOOL_PATH ?? "/usr/bin/promtool";
    if (!existsSync(promtool)) {
      void annotate(
        "promtool is not installed: the rules were validated by the PromQL parser only (see " +
          "scripts/ensure-promtool.mjs)",
        "notice",
      );
      expect(alerts.length).toBe(4);
      return;
    }
    const check = execFileSync(promtool, ["check", "rules", "ops/prometheus/alerts.yml"], { encoding: "utf8" });
    expect(check).toContain("SUCCESS: 4 rules found");
    const tests = execFileSync(promtool, ["test", "rules", "ops/prometheus/alerts.test.yml"], { encoding: "utf8" });
    expect(tests).toContain("SUCCESS");
    void annotate(
      `validated by ${execFileSync(promtool, ["--version"], { encoding: "utf8" }).split("\n")[0]}: check rules and ` +
        `test rules`,
      "notice",
    );
  });
});
