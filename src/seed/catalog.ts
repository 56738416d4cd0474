// The product catalogue of a cannabis retailer: brands, categories under parent categories,
// strains with their species, grades and sizes, with prices that follow size and grade.
// Brands and suppliers are invented (no real company's name); strain names are the common
// genetics names every menu uses.

import { shelfPriceCents } from "./money.js";
import { pickWeighted, type Random } from "./random.js";

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

export const CATEGORIES: readonly CategorySpec[] = [
  {
    category: "Whole Flower",
    parent: "Flower",
    code: "FLW",
    kind: "strain",
    noun: "",
    sizes: [
      ["1g", 12, 0.5],
      ["3.5g", 38, 1.0],
      ["7g", 70, 0.3],
      ["14g", 120, 0.1],
      ["28g", 210, 0.05],
    ],
    catalogWeight: 24,
    salesFactor: 1.5,
    thc: [16, 32],
    graded: true,
    multiBuy: 0.1,
  },
  {
    category: "Pre-Rolls",
    parent: "Flower",
    code: "PRE",
    kind: "strain",
    noun: "Pre-Roll",
    sizes: [
      ["0.5g", 7, 0.8],
      ["1g", 12, 1.0],
      ["5pk 2.5g", 35, 0.4],
    ],
    catalogWeight: 12,
    salesFactor: 1.2,
    thc: [15, 28],
    graded: true,
    multiBuy: 0.35,
  },
  {
    category: "Infused Pre-Rolls",
    parent: "Flower",
    code: "IPR",
    kind: "strain",
    noun: "Infused Pre-Roll",
    sizes: [
      ["1g", 18, 1.0],
      ["3pk 1.5g", 40, 0.4],
    ],
    catalogWeight: 4,
    salesFactor: 1.1,
    thc: [30, 45],
    graded: true,
    multiBuy: 0.25,
  },
  {
    category: "Shake",
    parent: "Flower",
    code: "SHK",
    kind: "strain",
    noun: "Shake",
    sizes: [
      ["7g", 30, 1.0],
      ["14g", 50, 0.4],
      ["28g", 85, 0.3],
    ],
    catalogWeight: 2,
    salesFactor: 0.8,
    thc: [14, 24],
    graded: true,
    multiBuy: 0.05,
  },
  {
    category: "Cartridges",
    parent: "Vapes",
    code: "CRT",
    kind: "strain",
    noun: "Cartridge",
    sizes: [
      ["0.5g", 30, 1.0],
      ["1g", 50, 0.7],
    ],
    catalogWeight: 14,
    salesFactor: 1.2,
    thc: [70, 92],
    graded: true,
    multiBuy: 0.15,
  },
  {
    category: "Disposables",
    parent: "Vapes",
    code: "DSP",
    kind: "strain",
    noun: "Disposable",
    sizes: [
      ["0.3g", 25, 0.8],
      ["1g", 55, 1.0],
    ],
    catalogWeight: 6,
    salesFactor: 1.1,
    thc: [72, 90],
    graded: true,
    multiBuy: 0.1,
  },
  {
    category: "Pods",
    parent: "Vapes",
    code: "POD",
    kind: "strain",
    noun: "Pod",
    sizes: [["0.5g", 35, 1.0]],
    catalogWeight: 2,
    salesFactor: 0.8,
    thc: [70, 88],
    graded: true,
    multiBuy: 0.15,
  },
  {
    category: "Gummies",
    parent: "Edibles",
    code: "GUM",
    kind: "edible",
    noun: "Gummies",
    sizes: [
      ["100mg", 18, 1.0],
      ["200mg", 30, 0.4],
    ],
    catalogWeight: 9,
    salesFactor: 1.7,
    thc: null,
    graded: false,
    multiBuy: 0.3,
  },
  {
    category: "Chocolates",
    parent: "Edibles",
    code: "CHO",
    kind: "edible",
    noun: "Chocolate Bar",
    sizes: [["100mg", 20, 1.0]],
    catalogWeight: 3,
    salesFactor: 1.0,
    thc: null,
    graded: false,
    multiBuy: 0.2,
  },
  {
    category: "Beverages",
    parent: "Edibles",
    code: "BEV",
    kind: "edible",
    noun: "Sparkling Water",
    sizes: [
      ["10mg", 6, 1.0],
      ["100mg", 22, 0.3],
    ],
    catalogWeight: 3,
    salesFactor: 0.9,
    thc: null,
    graded: false,
    multiBuy: 0.5,
  },
  {
    category: "Mints",
    parent: "Edibles",
    code: "MNT",
    kind: "edible",
    noun: "Mints",
    sizes: [["100mg", 18, 1.0]],
    catalogWeight: 1.5,
    salesFactor: 0.7,
    thc: null,
    graded: false,
    multiBuy: 0.2,
  },
  {
    category: "Baked Goods",
    parent: "Edibles",
    code: "BKD",
    kind: "edible",
    noun: "Cookie",
    sizes: [
      ["10mg", 8, 1.0],
      ["100mg", 25, 0.4],
    ],
    catalogWeight: 1,
    salesFactor: 0.6,
    thc: null,
    graded: false,
    multiBuy: 0.3,
  },
  {
    category: "Live Resin",
    parent: "Concentrates",
    code: "LRS",
    kind: "strain",
    noun: "Live Resin",
    sizes: [["1g", 45, 1.0]],
    catalogWeight: 4,
    salesFactor: 1.0,
    thc: [65, 85],
    graded: true,
    multiBuy: 0.1,
  },
  {
    category: "Shatter",
    parent: "Concentrates",
    code: "SHT",
    kind: "strain",
    noun: "Shatter",
    sizes: [["1g", 30, 1.0]],
    catalogWeight: 2,
    salesFactor: 0.6,
    thc: [70, 88],
    graded: true,
    multiBuy: 0.1,
  },
  {
    category: "Wax",
    parent: "Concentrates",
    code: "WAX",
    kind: "strain",
    noun: "Wax",
    sizes: [["1g", 30, 1.0]],
    catalogWeight: 1.5,
    salesFactor: 0.5,
    thc: [68, 85],
    graded: true,
    multiBuy: 0.1,
  },
  {
    category: "Rosin",
    parent: "Concentrates",
    code: "ROS",
    kind: "strain",
    noun: "Live Rosin",
    sizes: [
      ["1g", 60, 1.0],
      ["2g", 110, 0.3],
    ],
    catalogWeight: 2,
    salesFactor: 0.6,
    thc: [65, 82],
    graded: true,
    multiBuy: 0.05,
  },
  {
    category: "Badder",
    parent: "Concentrates",
    code: "BAD",
    kind: "strain",
    noun: "Badder",
    sizes: [["1g", 38, 1.0]],
    catalogWeight: 1.5,
    salesFactor: 0.5,
    thc: [68, 86],
    graded: true,
    multiBuy: 0.1,
  },
  {
    category: "Tinctures",
    parent: "Tinctures",
    code: "TIN",
    kind: "tincture",
    noun: "Tincture",
    sizes: [
      ["300mg", 35, 1.0],
      ["1000mg", 75, 0.4],
    ],
    catalogWeight: 3,
    salesFactor: 0.5,
    thc: null,
    graded: false,
    multiBuy: 0.05,
  },
  {
    category: "Lotions",
    parent: "Topicals",
    code: "LOT",
    kind: "topical",
    noun: "Lotion",
    sizes: [["100mg", 30, 1.0]],
    catalogWeight: 1,
    salesFactor: 0.4,
    thc: null,
    graded: false,
    multiBuy: 0.05,
  },
  {
    category: "Balms",
    parent: "Topicals",
    code: "BLM",
    kind: "topical",
    noun: "Balm",
    sizes: [["500mg", 45, 1.0]],
    catalogWeight: 1.5,
    salesFactor: 0.4,
    thc: null,
    graded: false,
    multiBuy: 0.05,
  },
  {
    category: "Transdermal Patches",
    parent: "Topicals",
    code: "PAT",
    kind: "topical",
    noun: "Patch",
    sizes: [["20mg", 15, 1.0]],
    catalogWeight: 1,
    salesFactor: 0.4,
    thc: null,
    graded: false,
    multiBuy: 0.3,
  },
  {
    category: "Papers & Cones",
    parent: "Accessories",
    code: "PAP",
    kind: "accessory",
    noun: "Rolling Papers",
    sizes: [["each", 4, 1.0]],
    catalogWeight: 1.5,
    salesFactor: 0.7,
    thc: null,
    graded: false,
    multiBuy: 0.4,
  },
  {
    category: "Batteries",
    parent: "Accessories",
    code: "BAT",
    kind: "accessory",
    noun: "510 Battery",
    sizes: [["each", 20, 1.0]],
    catalogWeight: 1,
    salesFactor: 0.4,
    thc: null,
    graded: false,
    multiBuy: 0.05,
  },
  {
    category: "Grinders",
    parent: "Accessories",
    code: "GRN",
    kind: "accessory",
    noun: "Grinder",
    sizes: [["each", 18, 1.0]],
    catalogWeight: 0.8,
    salesFactor: 0.3,
    thc: null,
    graded: false,
    multiBuy: 0.02,
  },
];

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
