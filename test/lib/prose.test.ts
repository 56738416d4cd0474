import { describe, expect, it } from "vitest";
import { prose } from "../../src/lib/prose.js";

describe("prose", () => {
  it("when a text is written over several indented lines, then it reads as one line with single spaces", () => {
    expect(prose`
      The customer by the POS's id;
      they must exist.
    `).toBe("The customer by the POS's id; they must exist.");
  });

  it("when a line holds double spaces, Markdown or escapes, then they stay exactly as written", () => {
    expect(prose`
      Money is an exact decimal string (\`"12.50"\`),  **never** a float:
      Σ (unit_price × |quantity|), a \\ and a \` stay.
    `).toBe(
      'Money is an exact decimal string (`"12.50"`),  **never** a float: Σ (unit_price × |quantity|), a \\ and a ` ' +
        "stay.",
    );
  });

  it("when the text holds values, then they are placed as given, line breaks inside them included", () => {
    const limit = 500;
    expect(prose`
      At most ${limit}
      records, ${"a\nb"}.
    `).toBe("At most 500 records, a\nb.");
  });

  it("when the text is on one line, then it is that line unchanged", () => {
    expect(prose`One line, two  spaces.`).toBe("One line, two  spaces.");
  });
});
