// Budtenders and customers: names, contact details valid enough for the service's own
// normalisation (E.164 phones that libphonenumber-js accepts, lower-case emails), birthdays of
// adults, and loyalty consent with the time it was given.

import { DAY_MS, epochDayOf, isoDate } from "./calendar.js";
import type { City } from "./places.js";
import { STREET_NAMES } from "./places.js";
import { pickWeighted, type Random } from "./random.js";

export const FIRST_NAMES: readonly string[] = [
  "James",
  "Mary",
  "Michael",
  "Patricia",
  "Robert",
  "Jennifer",
  "John",
  "Linda",
  "David",
  "Elizabeth",
  "William",
  "Barbara",
  "Richard",
  "Susan",
  "Joseph",
  "Jessica",
  "Thomas",
  "Karen",
  "Christopher",
  "Sarah",
  "Charles",
  "Lisa",
  "Daniel",
  "Nancy",
  "Matthew",
  "Sandra",
  "Anthony",
  "Ashley",
  "Mark",
  "Emily",
  "Steven",
  "Kimberly",
  "Andrew",
  "Donna",
  "Joshua",
  "Michelle",
  "Kevin",
  "Carol",
  "Brian",
  "Amanda",
  "Ryan",
  "Melissa",
  "Jacob",
  "Deborah",
  "Nicholas",
  "Stephanie",
  "Tyler",
  "Rebecca",
  "Eric",
  "Laura",
  "Jonathan",
  "Hannah",
  "Justin",
  "Megan",
  "Brandon",
  "Rachel",
  "Samuel",
  "Olivia",
  "Benjamin",
  "Emma",
  "Alexander",
  "Sophia",
  "Noah",
  "Ava",
  "Ethan",
  "Isabella",
  "Logan",
  "Mia",
  "Lucas",
  "Chloe",
  "Mason",
  "Abigail",
  "Elijah",
  "Madison",
  "Aiden",
  "Harper",
  "Carlos",
  "Maria",
  "Jose",
  "Sofia",
  "Luis",
  "Camila",
  "Diego",
  "Valentina",
  "Miguel",
  "Lucia",
  "Wei",
  "Mei",
  "Hiroshi",
  "Yuki",
  "Arjun",
  "Priya",
  "Kwame",
  "Amara",
  "Jamal",
  "Aaliyah",
  "Darius",
  "Imani",
  "Connor",
  "Riley",
  "Jordan",
  "Taylor",
  "Morgan",
  "Casey",
  "Quinn",
  "Avery",
  "Dylan",
  "Skyler",
  "Reese",
  "Rowan",
  "Sage",
  "River",
  "Jade",
  "Luna",
];

export const LAST_NAMES: readonly string[] = [
  "Smith",
  "Johnson",
  "Williams",
  "Brown",
  "Jones",
  "Garcia",
  "Miller",
  "Davis",
  "Rodriguez",
  "Martinez",
  "Hernandez",
  "Lopez",
  "Gonzalez",
  "Wilson",
  "Anderson",
  "Thomas",
  "Taylor",
  "Moore",
  "Jackson",
  "Martin",
  "Lee",
  "Perez",
  "Thompson",
  "White",
  "Harris",
  "Sanchez",
  "Clark",
  "Ramirez",
  "Lewis",
  "Robinson",
  "Walker",
  "Young",
  "Allen",
  "King",
  "Wright",
  "Scott",
  "Torres",
  "Nguyen",
  "Hill",
  "Flores",
  "Green",
  "Adams",
  "Nelson",
  "Baker",
  "Hall",
  "Rivera",
  "Campbell",
  "Mitchell",
  "Carter",
  "Roberts",
  "Gomez",
  "Phillips",
  "Evans",
  "Turner",
  "Diaz",
  "Parker",
  "Cruz",
  "Edwards",
  "Collins",
  "Reyes",
  "Stewart",
  "Morris",
  "Morales",
  "Murphy",
  "Cook",
  "Rogers",
  "Gutierrez",
  "Ortiz",
  "Morgan",
  "Cooper",
  "Peterson",
  "Bailey",
  "Reed",
  "Kelly",
  "Howard",
  "Ramos",
  "Kim",
  "Cox",
  "Ward",
  "Richardson",
  "Watson",
  "Brooks",
  "Chavez",
  "Wood",
  "James",
  "Bennett",
  "Gray",
  "Mendoza",
  "Ruiz",
  "Hughes",
  "Price",
  "Alvarez",
  "Castillo",
  "Sanders",
  "Patel",
  "Myers",
  "Long",
  "Ross",
  "Foster",
  "Jimenez",
  "O'Brien",
  "Chen",
  "Wang",
  "Singh",
  "Okafor",
  "Nakamura",
  "Kowalski",
  "Novak",
  "Schmidt",
  "Larsen",
  "Sullivan",
];

/**
 * Reserved example domains (RFC 2606/6761), so no seeded email can reach a real inbox even if
 * demo data is ever sent to a marketing platform.
 */
const EMAIL_DOMAINS = [
  ["example.com", 50],
  ["example.net", 20],
  ["example.org", 15],
  ["mail.example", 10],
  ["inbox.example", 5],
] as const;

/**
 * A US number in E.164: a real area code of the city and a 7-digit local number whose exchange
 * starts with 2-9, is not N11 and is not 555 (555-01xx is fiction-only and libphonenumber-js
 * rejects it, as it rejects exchanges starting with 0 or 1).
 */
export function usPhone(rng: Random, areaCodes: readonly string[]): string {
  const area = rng.pick(areaCodes);
  let exchange: number;
  do exchange = rng.int(200, 999);
  while (exchange === 555 || exchange % 100 === 11);
  const line = rng.int(0, 9999);
  return `+1${area}${exchange}${String(line).padStart(4, "0")}`;
}

function emailLocalPart(rng: Random, first: string, last: string): string {
  const f = first.toLowerCase();
  const l = last.toLowerCase().replace(/[^a-z]/g, "");
  switch (rng.int(0, 4)) {
    case 0:
      return `${f}.${l}`;
    case 1:
      return `${f}${l}${rng.int(1, 99)}`;
    case 2:
      return `${f[0]}${l}${rng.int(70, 2005)}`;
    case 3:
      return `${f}_${l[0]}${rng.int(1, 999)}`;
    default:
      return `${l}.${f}${rng.int(1, 9)}`;
  }
}

export interface EmployeeSeed {
  id: string;
  posId: string;
  firstName: string;
  lastName: string | null;
}

export function generateEmployee(rng: Random, id: string, posId: string): EmployeeSeed {
  return { id, posId, firstName: rng.pick(FIRST_NAMES), lastName: rng.chance(0.95) ? rng.pick(LAST_NAMES) : null };
}

export interface CustomerSeed {
  id: string;
  posUser: string;
  posType: "in_store" | "online";
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  address1: string | null;
  address2: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  birthday: string | null;
  gender: string | null;
  loyaltyOptIn: boolean;
  loyaltyChangedAt: number | null;
}

export interface CustomerContext {
  /** The customer's home store's city. */
  city: City;
  /** Other cities of the merchant (a few customers live elsewhere). */
  otherCities: readonly City[];
  nowMs: number;
  windowStartMs: number;
  /** Youngest allowed birthday (epoch day): 21 years before the window's first day. */
  latestBirthdayDay: number;
}

/** Ages (years) of a dispensary's customers: mostly under 40. */
const AGE_BANDS: ReadonlyArray<readonly [readonly [number, number], number]> = [
  [[21, 30], 36],
  [[30, 40], 28],
  [[40, 50], 15],
  [[50, 65], 14],
  [[65, 85], 7],
];

export function generateCustomer(rng: Random, id: string, posUser: string, ctx: CustomerContext): CustomerSeed {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const city = ctx.otherCities.length > 0 && rng.chance(0.1) ? rng.pick(ctx.otherCities) : ctx.city;
  const hasAddress = rng.chance(0.7);
  const [lo, hi] = pickWeighted(rng, AGE_BANDS);
  // Age on the window's first day: at least 21, so every sale in the window is to an adult.
  const birthdayDay = ctx.latestBirthdayDay - Math.floor((lo - 21 + rng.float() * (hi - lo)) * 365.25);
  const optIn = rng.chance(0.55);
  // Consent is dated when it was stated; some customers opted out explicitly (false, with a date).
  const stated = optIn || rng.chance(0.08);
  const gender = pickWeighted(rng, [
    ["F", 46],
    ["M", 47],
    ["X", 2],
    [null, 5],
  ] as const);
  return {
    id,
    posUser,
    posType: rng.chance(0.15) ? "online" : "in_store",
    email: rng.chance(0.85) ? `${emailLocalPart(rng, first, last)}@${pickWeighted(rng, EMAIL_DOMAINS)}` : null,
    phone: rng.chance(0.8) ? usPhone(rng, city.areaCodes) : null,
    firstName: rng.chance(0.98) ? first : null,
    lastName: rng.chance(0.95) ? last : null,
    address1: hasAddress ? `${rng.int(10, 9899)} ${rng.pick(STREET_NAMES)}` : null,
    address2:
      hasAddress && rng.chance(0.15)
        ? `${rng.pick(["Apt", "Unit", "#"])} ${rng.int(1, 40)}${rng.pick(["", "A", "B", "C"])}`
        : null,
    city: hasAddress || rng.chance(0.3) ? city.city : null,
    state: hasAddress || rng.chance(0.4) ? city.state : null,
    zip: hasAddress || rng.chance(0.5) ? rng.pick(city.zips) : null,
    birthday: rng.chance(0.9) ? isoDate(birthdayDay) : null,
    gender,
    loyaltyOptIn: optIn,
    loyaltyChangedAt: stated ? Math.floor(rng.between(ctx.windowStartMs - 400 * DAY_MS, ctx.nowMs - 60_000)) : null,
  };
}

/** The youngest birthday allowed: the customer was 21 on the window's first day (minus a day of margin). */
export function latestAdultBirthday(windowStartMs: number): number {
  const d = new Date(windowStartMs);
  return epochDayOf(Date.UTC(d.getUTCFullYear() - 21, d.getUTCMonth(), d.getUTCDate())) - 1;
}
