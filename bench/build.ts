// `npm run bench -- --build-only` runs this: builds (or checks) the shapes' datasets and stops, so
// a long build can run ahead of the bench, e.g. in the background:
//   npx tsx bench/build.ts --data-root /work/bench-data --shapes many,big
import { parseArgs } from "node:util";
import { freePort } from "../test/helpers/ports.js";
import { ensureDataset, SHAPE_NAMES, SHAPES, type ShapeName } from "./dataset.js";

export async function buildShapes(root: string, shapes: ShapeName[], log: (line: string) => void): Promise<void> {
  for (const shape of shapes) {
    const dataset = await ensureDataset(root, SHAPES[shape], await freePort(), log);
    log(
      `${shape}: ${dataset.counts.transactions.toLocaleString("en-US")} receipts; build took ` +
        `${dataset.build ? `${Math.round(dataset.build.seededMs / 1000)} s (${dataset.build.builtAt})` : "unknown"}`,
    );
    await dataset.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    strict: true,
    options: {
      "data-root": { type: "string", default: ".data/bench-shapes" },
      shapes: { type: "string", default: SHAPE_NAMES.join(",") },
    },
  });
  const shapes = values.shapes.split(",") as ShapeName[];
  for (const s of shapes)
    if (!SHAPE_NAMES.includes(s)) throw new Error(`--shapes: unknown shape ${s} (${SHAPE_NAMES.join(", ")})`);
  await buildShapes(values["data-root"], shapes, (line) =>
    process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`),
  );
}
