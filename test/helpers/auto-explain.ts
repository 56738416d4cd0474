// The plans of every statement a piece of work runs on a connection, nested ones (functions, triggers) included, as
// auto_explain reports them (JSON, with the rows each node read): what the plan tests assert on.
import type pg from "pg";

export type PlanNode = {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Rows Removed by Filter"?: number;
  "CTE Name"?: string;
  Plans?: PlanNode[];
};

/** A plan's nodes, the node itself first. */
export const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/**
 * The plan (root node) of each statement `work` ran on `client`, in order, in one transaction; `settings` are SET
 * LOCAL for the work too.
 */
export async function autoExplained(
  client: pg.Client,
  work: (db: pg.Client) => Promise<unknown>,
  settings: string[] = [],
): Promise<PlanNode[]> {
  const plans: PlanNode[] = [];
  const onNotice = (notice: { message?: string }) => {
    const json = notice.message?.slice(notice.message.indexOf("{"));
    if (json?.includes('"Plan"')) plans.push((JSON.parse(json) as { Plan: PlanNode }).Plan);
  };
  client.on("notice", onNotice);
  try {
    await client.query("BEGIN");
    await client.query("LOAD 'auto_explain'");
    for (const setting of [
      "auto_explain.log_min_duration = 0",
      "auto_explain.log_nested_statements = on",
      "auto_explain.log_analyze = on",
      "auto_explain.log_timing = off",
      "auto_explain.log_format = json",
      "auto_explain.log_level = notice",
      "client_min_messages = notice",
      ...settings,
    ])
      await client.query(`SET LOCAL ${setting}`);
    await work(client);
    await client.query("COMMIT");
  } finally {
    client.off("notice", onNotice);
  }
  return plans;
}
