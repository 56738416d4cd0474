// Routes that exist only in a test: the parts every such GET route shares (no key, no query), to
// spread into defineRoute({ ...testGet(path, responses), handler }).
import { z } from "zod";
import type { Responses } from "../../src/lib/route.js";

export const testGet = <const R extends Responses>(path: string, responses: R) => ({
  method: "get" as const,
  path,
  operationId: path,
  summary: path,
  tags: ["Test"],
  scope: null,
  query: z.strictObject({}),
  responses,
});
