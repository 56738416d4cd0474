// The Write-Result header of a single write's answer (created, updated or unchanged): what the
// customer and receipt writes send, what the metrics count writes by (metrics/http.ts).
export const WRITE_RESULT_HEADER = "Write-Result";

/** The header as the API document describes it on a write's answers. */
export const writeResultHeaderDoc = {
  [WRITE_RESULT_HEADER]: {
    description: "created, updated or unchanged (an identical write changes nothing, not even updated_at).",
  },
};
