// `format` of the lists: this service's records, or AIQ's own push shapes (README: format=aiq).
import { z } from "zod";
import { prose } from "./prose.js";

export const listFormatParam = z
  .enum(["standard", "aiq"])
  .default("standard")
  .describe(prose`
    standard: this service's records. aiq: each record in AIQ's own push shape (see the AIQ mapping in the README). Only
    the rendering changes: a cursor stays valid across formats.
  `);

export type RecordFormat = z.output<typeof listFormatParam>;
