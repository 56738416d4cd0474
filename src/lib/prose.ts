// OpenAPI descriptions longer than a source line: written as a multi-line template, read as one line.
//   .describe(prose`
//     The customer by the POS's id (AIQ pos_user); they must exist
//     (PUT /v1/customers/{pos_user} first, or embed the customer).
//   `)
// is the description "The customer by the POS's id (AIQ pos_user); they must exist (PUT /v1/customers/{pos_user}
// first, or embed the customer)." Only the line breaks and the indentation around them become one space; the text
// stays as written otherwise (double spaces, Markdown marks), so the document does not depend on the layout.

const LINE_BREAK = /\s*\n\s*/g;

/** The text of a template with each line break (and the whitespace around it) read as one space, ends trimmed. */
export function prose(strings: TemplateStringsArray, ...values: unknown[]): string {
  const parts = strings.map((part) => part.replace(LINE_BREAK, " "));
  const text = parts.reduce((joined, part, i) => `${joined}${String(values[i - 1])}${part}`);
  return text.trim();
}
