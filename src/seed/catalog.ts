// The product catalogue of a cannabis retailer: brands, categories under parent categories,
// strains with their species, grades and sizes, with prices that follow size and grade.
// Brands and suppliers are invented (no real company's name); strain names are the common
// genetics names every menu uses.

import { shelfPriceCents } from "./money.js";
import { pickWeighted, type Random } from "./random.js";
import { joinByKey } from "./tables.js";

export type Species = "indica" | "sativa" | "hybrid";
export type ProductKind = "strain" | "edible" | "tincture" | "topical" | "accessory";

export interface CategorySpec {
  category: string;
  parent: string;
  code: string;
  kind: ProductKind;
  /** Word after the strain/flavour in the product name ("" for flower). */
  noun: string;
  /** Sizes with the price of a mid (AA) grade product in dollars and how well the size sells. */
  sizes: ReadonlyArray<readonly [size: string, dollars: number, popularity: number]>;
  /** Share of the catalogue. */
  catalogWeight: number;
  /** How often one of its products is sold, relative to the catalogue share. */
  salesFactor: number;
  /** THC percent range, or null where potency is in mg (edibles). */
  thc: readonly [number, number] | null;
  graded: boolean;
  /** Typical quantity on a line: some things are bought by the handful. */
  multiBuy: number;
}

type Size = CategorySpec["sizes"][number];
type CategoryRow = readonly [
  category: string,
  code: string,
  kind: ProductKind,
  noun: string,
  catalogWeight: number,
  salesFactor: number,
  thc: CategorySpec["thc"],
  graded: boolean,
  multiBuy: number,
];

/**
 * The categories under their parent category, one a row: the fields of CategorySpec in its order
 * (parent aside), their sizes in CATEGORY_SIZES.
 */
const CATEGORY_ROWS: Readonly<Record<string, readonly CategoryRow[]>> = {
  // category, code, kind, noun, catalogWeight, salesFactor, thc, graded, multiBuy
  Flower: [
    ["Whole Flower", "FLW", "strain", "", 24, 1.5, [16, 32], true, 0.1],
    ["Pre-Rolls", "PRE", "strain", "Pre-Roll", 12, 1.2, [15, 28], true, 0.35],
    ["Infused Pre-Rolls", "IPR", "strain", "Infused Pre-Roll", 4, 1.1, [30, 45], true, 0.25],
    ["Shake", "SHK", "strain", "Shake", 2, 0.8, [14, 24], true, 0.05],
  ],
  Vapes: [
    ["Cartridges", "CRT", "strain", "Cartridge", 14, 1.2, [70, 92], true, 0.15],
    ["Disposables", "DSP", "strain", "Disposable", 6, 1.1, [72, 90], true, 0.1],
    ["Pods", "POD", "strain", "Pod", 2, 0.8, [70, 88], true, 0.15],
  ],
  Edibles: [
    ["Gummies", "GUM", "edible", "Gummies", 9, 1.7, null, false, 0.3],
    ["Chocolates", "CHO", "edible", "Chocolate Bar", 3, 1, null, false, 0.2],
    ["Beverages", "BEV", "edible", "Sparkling Water", 3, 0.9, null, false, 0.5],
    ["Mints", "MNT", "edible", "Mints", 1.5, 0.7, null, false, 0.2],
    ["Baked Goods", "BKD", "edible", "Cookie", 1, 0.6, null, false, 0.3],
  ],
  Concentrates: [
    ["Live Resin", "LRS", "strain", "Live Resin", 4, 1, [65, 85], true, 0.1],
    ["Shatter", "SHT", "strain", "Shatter", 2, 0.6, [70, 88], true, 0.1],
    ["Wax", "WAX", "strain", "Wax", 1.5, 0.5, [68, 85], true, 0.1],
    ["Rosin", "ROS", "strain", "Live Rosin", 2, 0.6, [65, 82], true, 0.05],
    ["Badder", "BAD", "strain", "Badder", 1.5, 0.5, [68, 86], true, 0.1],
  ],
  Tinctures: [["Tinctures", "TIN", "tincture", "Tincture", 3, 0.5, null, false, 0.05]],
  Topicals: [
    ["Lotions", "LOT", "topical", "Lotion", 1, 0.4, null, false, 0.05],
    ["Balms", "BLM", "topical", "Balm", 1.5, 0.4, null, false, 0.05],
    ["Transdermal Patches", "PAT", "topical", "Patch", 1, 0.4, null, false, 0.3],
  ],
  Accessories: [
    ["Papers & Cones", "PAP", "accessory", "Rolling Papers", 1.5, 0.7, null, false, 0.4],
    ["Batteries", "BAT", "accessory", "510 Battery", 1, 0.4, null, false, 0.05],
    ["Grinders", "GRN", "accessory", "Grinder", 0.8, 0.3, null, false, 0.02],
  ],
};

/** The sizes of each category (by its code), in the order a family of products draws them from. */
const CATEGORY_SIZES: ReadonlyArray<readonly [code: string, ...size: Size]> = [
  // code, size, dollars of a mid (AA) grade product, popularity
  ["FLW", "1g", 12, 0.5],
  ["FLW", "3.5g", 38, 1],
  ["FLW", "7g", 70, 0.3],
  ["FLW", "14g", 120, 0.1],
  ["FLW", "28g", 210, 0.05],
  ["PRE", "0.5g", 7, 0.8],
  ["PRE", "1g", 12, 1],
  ["PRE", "5pk 2.5g", 35, 0.4],
  ["IPR", "1g", 18, 1],
  ["IPR", "3pk 1.5g", 40, 0.4],
  ["SHK", "7g", 30, 1],
  ["SHK", "14g", 50, 0.4],
  ["SHK", "28g", 85, 0.3],
  ["CRT", "0.5g", 30, 1],
  ["CRT", "1g", 50, 0.7],
  ["DSP", "0.3g", 25, 0.8],
  ["DSP", "1g", 55, 1],
  ["POD", "0.5g", 35, 1],
  ["GUM", "100mg", 18, 1],
  ["GUM", "200mg", 30, 0.4],
  ["CHO", "100mg", 20, 1],
  ["BEV", "10mg", 6, 1],
  ["BEV", "100mg", 22, 0.3],
  ["MNT", "100mg", 18, 1],
  ["BKD", "10mg", 8, 1],
  ["BKD", "100mg", 25, 0.4],
  ["LRS", "1g", 45, 1],
  ["SHT", "1g", 30, 1],
  ["WAX", "1g", 30, 1],
  ["ROS", "1g", 60, 1],
  ["ROS", "2g", 110, 0.3],
  ["BAD", "1g", 38, 1],
  ["TIN", "300mg", 35, 1],
  ["TIN", "1000mg", 75, 0.4],
  ["LOT", "100mg", 30, 1],
  ["BLM", "500mg", 45, 1],
  ["PAT", "20mg", 15, 1],
  ["PAP", "each", 4, 1],
  ["BAT", "each", 20, 1],
  ["GRN", "each", 18, 1],
];

const categoryRows = Object.entries(CATEGORY_ROWS).flatMap(([parent, rows]) =>
  rows.map((row) => [parent, row] as const),
);
const sizesByCode = new Map<string, Size[]>();
for (const [code, ...size] of CATEGORY_SIZES) sizesByCode.set(code, [...(sizesByCode.get(code) ?? []), size]);
const sizesByCategory = joinByKey(
  "CATEGORY_SIZES",
  categoryRows.map(([, row]) => row[1]),
  [...sizesByCode],
);

export const CATEGORIES: readonly CategorySpec[] = categoryRows.map(
  ([parent, [category, code, kind, noun, catalogWeight, salesFactor, thc, graded, multiBuy]], i) => ({
    category,
    parent,
    code,
    kind,
    noun,
    sizes: sizesByCategory[i]!,
    catalogWeight,
    salesFactor,
    thc,
    graded,
    multiBuy,
  }),
);

export const STRAINS: ReadonlyArray<readonly [name: string, species: Species]> = [
  ["Blue Dream", "hybrid"],
  ["OG Kush", "hybrid"],
  ["Sour Diesel", "sativa"],
  ["Girl Scout Cookies", "hybrid"],
  ["Gorilla Glue #4", "hybrid"],
  ["Wedding Cake", "indica"],
  ["Gelato", "hybrid"],
  ["Granddaddy Purple", "indica"],
  ["Jack Herer", "sativa"],
  ["Green Crack", "sativa"],
  ["Northern Lights", "indica"],
  ["Pineapple Express", "hybrid"],
  ["Durban Poison", "sativa"],
  ["Bubba Kush", "indica"],
  ["Purple Punch", "indica"],
  ["Zkittlez", "indica"],
  ["Runtz", "hybrid"],
  ["Ice Cream Cake", "indica"],
  ["Mimosa", "sativa"],
  ["Tangie", "sativa"],
  ["Super Lemon Haze", "sativa"],
  ["Strawberry Cough", "sativa"],
  ["Trainwreck", "sativa"],
  ["Gushers", "hybrid"],
  ["MAC 1", "hybrid"],
  ["Biscotti", "indica"],
  ["Do-Si-Dos", "indica"],
  ["Cherry Pie", "hybrid"],
  ["Forbidden Fruit", "indica"],
  ["Lemon Cherry Gelato", "hybrid"],
  ["Apple Fritter", "hybrid"],
  ["Blueberry", "indica"],
  ["Chemdawg", "hybrid"],
  ["Headband", "hybrid"],
  ["Maui Wowie", "sativa"],
  ["Ghost Train Haze", "sativa"],
  ["Skywalker OG", "indica"],
  ["Tropicana Cookies", "sativa"],
  ["Jealousy", "hybrid"],
  ["Sherbert", "indica"],
  ["Harlequin", "sativa"],
  ["ACDC", "sativa"],
  ["Cannatonic", "hybrid"],
];
/** High-CBD genetics: low THC, CBD-dominant. */
const CBD_STRAINS = new Set(["Harlequin", "ACDC", "Cannatonic"]);

const EDIBLE_FLAVOURS: readonly string[] = [
  "Watermelon",
  "Sour Apple",
  "Blue Raspberry",
  "Mango",
  "Peach",
  "Strawberry Lemonade",
  "Black Cherry",
  "Pomegranate",
  "Tangerine",
  "Wild Berry",
  "Pink Lemonade",
  "Huckleberry",
  "Passion Fruit",
  "Grape",
  "Dark Chocolate Sea Salt",
  "Milk Chocolate Toffee",
  "Peppermint",
  "Cinnamon",
  "Lime",
  "Guava",
];
const EDIBLE_EFFECTS: readonly string[] = ["Sleep", "Relax", "Uplift", "Focus", "Balance", "Chill"];
const RATIOS: readonly string[] = ["THC", "1:1", "2:1 CBD", "20:1 CBD", "CBN Sleep"];
const ACCESSORY_STYLES: readonly string[] = ["Classic", "Slim", "Organic Hemp", "Pocket", "Deluxe", "Travel"];

/** Grade and its price factor; better grades cost more and test stronger. */
type Grade = readonly [name: string, priceFactor: number];
export const GRADES: readonly Grade[] = [
  ["AAA", 1.3],
  ["AA", 1.0],
  ["A", 0.78],
  ["B", 0.58],
];
/** How often each grade is on the menu: mostly mid-shelf. */
const GRADE_MIX: ReadonlyArray<readonly [Grade, number]> = [
  [GRADES[0]!, 2],
  [GRADES[1]!, 4],
  [GRADES[2]!, 3],
  [GRADES[3]!, 1],
];

export interface BrandSpec {
  name: string;
  code: string;
  /** Parent categories it makes. */
  makes: readonly string[];
}

export const BRANDS: readonly BrandSpec[] = [
  { name: "Summit Farms", code: "SF", makes: ["Flower", "Concentrates"] },
  { name: "High Plains Cultivation", code: "HP", makes: ["Flower"] },
  { name: "Cascade Roots", code: "CR", makes: ["Flower", "Vapes"] },
  { name: "Golden Valley Growers", code: "GV", makes: ["Flower"] },
  { name: "Redwood Reserve", code: "RR", makes: ["Flower", "Concentrates"] },
  { name: "Desert Bloom", code: "DB", makes: ["Flower", "Vapes"] },
  { name: "Northwind", code: "NW", makes: ["Flower", "Vapes", "Concentrates"] },
  { name: "Lazy River", code: "LR", makes: ["Flower", "Edibles"] },
  { name: "Blue Ridge Botanicals", code: "BR", makes: ["Flower", "Tinctures", "Topicals"] },
  { name: "Canyon Craft", code: "CC", makes: ["Flower", "Concentrates"] },
  { name: "Pacific Haze", code: "PH", makes: ["Vapes"] },
  { name: "Vaporwave Labs", code: "VL", makes: ["Vapes"] },
  { name: "Clearline Extracts", code: "CL", makes: ["Vapes", "Concentrates"] },
  { name: "Terp Theory", code: "TT", makes: ["Concentrates", "Vapes"] },
  { name: "Crystal Creek", code: "CK", makes: ["Concentrates"] },
  { name: "Honeycomb Hash Co.", code: "HH", makes: ["Concentrates"] },
  { name: "Sweet Leaf Kitchen", code: "SK", makes: ["Edibles"] },
  { name: "Moonlight Confections", code: "MC", makes: ["Edibles"] },
  { name: "Fizz & Fern", code: "FF", makes: ["Edibles"] },
  { name: "Good Day Gummies", code: "GD", makes: ["Edibles"] },
  { name: "Cocoa Canna", code: "CA", makes: ["Edibles"] },
  { name: "Meadowlark Wellness", code: "ML", makes: ["Tinctures", "Topicals", "Edibles"] },
  { name: "Balm Theory", code: "BT", makes: ["Topicals"] },
  { name: "Roll Right", code: "RW", makes: ["Accessories"] },
  { name: "Ember Gear", code: "EG", makes: ["Accessories"] },
];

export const SUPPLIERS: ReadonlyArray<readonly [name: string, id: string]> = [
  ["Rocky Mountain Distribution", "SUP-1001"],
  ["Pacific Coast Wholesale", "SUP-1002"],
  ["Great Lakes Supply Co.", "SUP-1003"],
  ["Atlantic Cannabis Logistics", "SUP-1004"],
  ["Sonoran Supply", "SUP-1005"],
  ["Direct from brand", "SUP-1000"],
];

const TERPENES: readonly string[] = [
  "Myrcene",
  "Limonene",
  "Caryophyllene",
  "Linalool",
  "Pinene",
  "Terpinolene",
  "Humulene",
  "Ocimene",
];
const EFFECTS: Record<Species, readonly string[]> = {
  indica: ["relaxed", "sleepy", "calm", "hungry"],
  sativa: ["energetic", "creative", "uplifted", "focused"],
  hybrid: ["happy", "euphoric", "balanced", "giggly"],
};

export interface ProductSeed {
  index: number;
  sku: string;
  posProductId: string;
  name: string;
  brand: string;
  category: string;
  parentCategory: string;
  variant: string;
  size: string;
  strain: string | null;
  species: Species | null;
  grade: string | null;
  barcode: string;
  url: string;
  imageUrl: string | null;
  description: string | null;
  supplierName: string;
  supplierId: string;
  /** Thousandths of a percent (Decimal(6,3)), or null. */
  thcMilli: number | null;
  cbdMilli: number | null;
  customAttributes: Array<{ parent: string; key: string; value: string }>;
  archived: boolean;
  /** List price in cents before a store's own price index. */
  basePriceCents: number;
  /** Unit cost in ten-thousandths of a dollar (the same at every store: one supply chain). */
  unitCost: number;
  /** How much the product sells relative to others. */
  popularity: number;
  spec: CategorySpec;
}

/** A UPC-A code (11 digits + check digit). */
function upcA(rng: Random): string {
  let digits = "8";
  for (let i = 0; i < 10; i++) digits += String(rng.int(0, 9));
  let odd = 0;
  let even = 0;
  for (let i = 0; i < 11; i++) {
    if (i % 2 === 0) odd += Number(digits[i]);
    else even += Number(digits[i]);
  }
  return digits + String((10 - ((odd * 3 + even) % 10)) % 10);
}

function customAttributes(
  rng: Random,
  strain: string | null,
  species: Species | null,
): ProductSeed["customAttributes"] {
  if (!rng.chance(0.35)) return [];
  const attrs: ProductSeed["customAttributes"] = [
    { parent: "Compliance", key: "Batch", value: `B${rng.int(23, 25)}-${rng.int(1000, 9999)}` },
  ];
  if (strain) {
    attrs.push({ parent: "Lab Results", key: "Dominant Terpene", value: rng.pick(TERPENES) });
    attrs.push({ parent: "Lab Results", key: "Total Terpenes", value: `${rng.between(0.8, 4.5).toFixed(1)}%` });
  }
  if (species && rng.chance(0.5)) attrs.push({ parent: "Effects", key: "Feeling", value: rng.pick(EFFECTS[species]) });
  return attrs;
}

interface Family {
  spec: CategorySpec;
  brand: BrandSpec;
  title: string;
  strain: string | null;
  species: Species | null;
  grade: string | null;
  gradeFactor: number;
  ending: "00" | "99" | "50";
  supplier: readonly [string, string];
  popularity: number;
}

/**
 * `count` products: families (brand x category x strain or flavour) with one sku per size, as a
 * POS lists them; skus of a family share their pos_product_id.
 */
export function generateProducts(rng: Random, count: number, merchantSlug: string): ProductSeed[] {
  const products: ProductSeed[] = [];
  const usedTitles = new Set<string>();
  const brandSupplier = new Map<string, readonly [string, string]>();
  const categoryOptions = CATEGORIES.map((c) => [c, c.catalogWeight] as const);
  let familyNo = 0;
  let attempts = 0;

  while (products.length < count) {
    const spec = pickWeighted(rng, categoryOptions);
    const makers = BRANDS.filter((b) => b.makes.includes(spec.parent));
    const brand = rng.pick(makers);
    const family = makeFamily(rng, spec, brand, brandSupplier);
    // After many tries (tiny catalogues of huge merchants) accept repeats rather than loop forever.
    const key = `${brand.name}|${spec.category}|${family.title}`;
    if (usedTitles.has(key) && attempts++ < count * 20) continue;
    usedTitles.add(key);
    familyNo++;
    const posProductId = `${brand.code}-${spec.code}-${String(familyNo).padStart(5, "0")}`;
    // Most families come in two or three sizes; small categories in all of theirs.
    const sizeCount = Math.min(spec.sizes.length, rng.int(1, 3));
    const sizes = rng
      .shuffle([...spec.sizes])
      .slice(0, sizeCount)
      .sort((a, b) => a[1] - b[1]);
    for (const [size, dollars, sizePopularity] of sizes) {
      if (products.length >= count) break;
      products.push(
        makeProduct(rng, products.length, family, posProductId, size, dollars, sizePopularity, merchantSlug),
      );
    }
  }
  return products;
}

function makeFamily(
  rng: Random,
  spec: CategorySpec,
  brand: BrandSpec,
  brandSupplier: Map<string, readonly [string, string]>,
): Family {
  let supplier = brandSupplier.get(brand.name);
  if (!supplier) {
    supplier = rng.pick(SUPPLIERS);
    brandSupplier.set(brand.name, supplier);
  }
  const grade = spec.graded ? pickWeighted<Grade>(rng, GRADE_MIX) : null;
  const gradeName = grade ? grade[0] : null;
  const gradeFactor = grade ? grade[1] : 1;
  let title: string;
  let strain: string | null = null;
  let species: Species | null = null;
  switch (spec.kind) {
    case "strain": {
      const [name, sp] = rng.pick(STRAINS);
      strain = name;
      species = sp;
      title = name;
      break;
    }
    case "edible":
      title = rng.chance(0.4) ? `${rng.pick(EDIBLE_EFFECTS)} ${rng.pick(EDIBLE_FLAVOURS)}` : rng.pick(EDIBLE_FLAVOURS);
      // Edibles are often labelled by effect, which menus map to a species.
      species = rng.chance(0.6) ? rng.pick(["indica", "sativa", "hybrid"] as const) : null;
      break;
    case "tincture":
      title = rng.pick(RATIOS);
      break;
    case "topical":
      title = rng.pick(["Relief", "Cooling", "Warming", "Recovery", "CBD Rich"]);
      break;
    case "accessory":
      title = rng.pick(ACCESSORY_STYLES);
      break;
  }
  return {
    spec,
    brand,
    title,
    strain,
    species,
    grade: gradeName,
    gradeFactor,
    ending: pickWeighted(rng, [
      ["00", 5],
      ["99", 4],
      ["50", 1],
    ] as const),
    supplier,
    // Log-normal: a few products sell far more than the rest, as on any menu.
    popularity: Math.exp(rng.normal() * 0.9) * spec.salesFactor,
  };
}

function makeProduct(
  rng: Random,
  index: number,
  f: Family,
  posProductId: string,
  size: string,
  dollars: number,
  sizePopularity: number,
  merchantSlug: string,
): ProductSeed {
  const { spec } = f;
  const name = [f.title, spec.noun, size === "each" ? "" : size].filter(Boolean).join(" ");
  const basePriceCents = shelfPriceCents(dollars * f.gradeFactor * rng.between(0.9, 1.12), f.ending);
  // Wholesale is 35-62% of shelf: margins of 38-65%, typical of dispensaries.
  const unitCost = Math.round(basePriceCents * 100 * rng.between(0.35, 0.62));
  const cbdDominant = f.strain !== null && CBD_STRAINS.has(f.strain);
  let thcMilli: number | null = null;
  let cbdMilli: number | null = null;
  if (spec.thc) {
    const [lo, hi] = spec.thc;
    // Better grades test stronger.
    const t = Math.min(1, Math.max(0, ((f.gradeFactor - 0.58) / 0.72) * 0.6 + rng.float() * 0.4));
    thcMilli = Math.round((cbdDominant ? rng.between(0.5, 6) : lo + (hi - lo) * t) * 1000);
    cbdMilli = Math.round((cbdDominant ? rng.between(8, 16) : rng.chance(0.3) ? rng.between(0.05, 1.5) : 0) * 1000);
  }
  const sku = String(100000 + index);
  const effect = f.species ? rng.pick(EFFECTS[f.species]) : null;
  const description = rng.chance(0.1)
    ? null
    : f.strain
      ? `${f.strain} ${spec.noun ? spec.noun.toLowerCase() : "flower"} from ${f.brand.name}: a ${f.species} with ` +
        `${rng.pick(TERPENES).toLowerCase()}-forward aroma that leaves you ${effect}.`
      : `${f.brand.name} ${name.toLowerCase()}${effect ? `, made to leave you ${effect}` : ""}. Lab tested.`;
  return {
    index,
    sku,
    posProductId,
    name,
    brand: f.brand.name,
    category: spec.category,
    parentCategory: spec.parent,
    variant: size,
    size,
    strain: f.strain,
    species: f.species,
    grade: f.grade,
    barcode: upcA(rng),
    url: `https://shop.example.com/${merchantSlug}/products/${sku}`,
    imageUrl: rng.chance(0.85) ? `https://images.example.com/${merchantSlug}/${sku}.jpg` : null,
    description,
    supplierName: f.supplier[0],
    supplierId: f.supplier[1],
    thcMilli,
    cbdMilli,
    customAttributes: customAttributes(rng, f.strain, f.species),
    // The first product is never archived, so even a one-product catalogue can sell.
    archived: rng.chance(0.04) && index > 0,
    basePriceCents,
    unitCost,
    // Cheaper items sell more often (add-ons to a basket), which keeps the average ticket near
    // what dispensaries report with ~3 items a receipt.
    popularity: f.popularity * sizePopularity * Math.min(2.5, (2500 / basePriceCents) ** 0.7) * rng.between(0.7, 1.3),
    spec,
  };
}
