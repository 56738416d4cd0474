// Cities in US states with legal adult-use cannabis, spread over the continental time zones.
// Area codes are real ones for each city (phones must pass libphonenumber-js validation), zips
// are real ones in the city, tax rates are round approximations of the combined cannabis tax.
import { joinByKey } from "./tables.js";

export interface City {
  code: string;
  city: string;
  state: string;
  timeZone: string;
  zips: readonly string[];
  areaCodes: readonly string[];
  /** Combined tax on cannabis sales, in basis points (1/100 of a percent). */
  taxBasisPoints: number;
  neighbourhoods: readonly string[];
}

type CityRow = readonly [
  code: string,
  city: string,
  state: string,
  timeZone: string,
  taxBasisPoints: number,
  areaCodes: readonly string[],
];

/** One city a row; ordered so that consecutive stores of a chain land in different time zones. */
const CITY_ROWS: readonly CityRow[] = [
  // code, city, state, timeZone, taxBasisPoints, areaCodes
  ["DEN", "Denver", "CO", "America/Denver", 2015, ["303", "720"]],
  ["LAX", "Los Angeles", "CA", "America/Los_Angeles", 2450, ["213", "310", "323", "818"]],
  ["CHI", "Chicago", "IL", "America/Chicago", 2575, ["312", "773", "872"]],
  ["BOS", "Boston", "MA", "America/New_York", 2000, ["617", "857"]],
  ["PHX", "Phoenix", "AZ", "America/Phoenix", 2410, ["602", "480", "623"]],
  ["PDX", "Portland", "OR", "America/Los_Angeles", 2000, ["503", "971"]],
  ["DET", "Detroit", "MI", "America/Detroit", 1600, ["313"]],
  ["COS", "Colorado Springs", "CO", "America/Denver", 1800, ["719"]],
  ["SEA", "Seattle", "WA", "America/Los_Angeles", 1035, ["206"]],
  ["NYC", "New York", "NY", "America/New_York", 2200, ["212", "646", "718", "917"]],
  ["ABQ", "Albuquerque", "NM", "America/Denver", 1990, ["505"]],
  ["LAS", "Las Vegas", "NV", "America/Los_Angeles", 1838, ["702", "725"]],
  ["MSP", "Minneapolis", "MN", "America/Chicago", 1838, ["612"]],
  ["NWK", "Newark", "NJ", "America/New_York", 1063, ["973", "862"]],
  ["TUS", "Tucson", "AZ", "America/Phoenix", 2210, ["520"]],
  ["SAC", "Sacramento", "CA", "America/Los_Angeles", 2325, ["916", "279"]],
];

/** Each city's zips by its code. */
const CITY_ZIPS: ReadonlyArray<readonly [code: string, zips: readonly string[]]> = [
  ["DEN", ["80202", "80203", "80205", "80206", "80210", "80211", "80218", "80220"]],
  ["LAX", ["90004", "90012", "90026", "90028", "90036", "90046", "90291"]],
  ["CHI", ["60601", "60607", "60610", "60614", "60618", "60622", "60647"]],
  ["BOS", ["02108", "02110", "02115", "02116", "02118", "02127", "02130"]],
  ["PHX", ["85003", "85004", "85006", "85008", "85013", "85016", "85018"]],
  ["PDX", ["97201", "97205", "97209", "97214", "97217", "97232"]],
  ["DET", ["48201", "48207", "48208", "48216", "48226"]],
  ["COS", ["80903", "80904", "80905", "80907", "80909"]],
  ["SEA", ["98101", "98102", "98103", "98107", "98109", "98122"]],
  ["NYC", ["10001", "10003", "10009", "10011", "10014", "10025", "11211"]],
  ["ABQ", ["87102", "87104", "87106", "87108", "87110"]],
  ["LAS", ["89101", "89102", "89104", "89109", "89119"]],
  ["MSP", ["55401", "55403", "55405", "55408", "55414"]],
  ["NWK", ["07102", "07104", "07105", "07107", "07114"]],
  ["TUS", ["85701", "85705", "85716", "85719", "85745"]],
  ["SAC", ["95811", "95814", "95816", "95818", "95819"]],
];

/** Each city's neighbourhoods by its code. */
const CITY_NEIGHBOURHOODS: ReadonlyArray<readonly [code: string, neighbourhoods: readonly string[]]> = [
  ["DEN", ["Colfax", "RiNo", "Highlands", "Baker", "Capitol Hill"]],
  ["LAX", ["Silver Lake", "Venice", "Echo Park", "Hollywood", "Fairfax"]],
  ["CHI", ["River North", "Wicker Park", "Lincoln Park", "West Loop", "Logan Square"]],
  ["BOS", ["Back Bay", "South End", "Fenway", "Seaport", "Jamaica Plain"]],
  ["PHX", ["Roosevelt Row", "Arcadia", "Midtown", "Camelback", "Downtown"]],
  ["PDX", ["Pearl District", "Hawthorne", "Alberta", "Division", "Mississippi"]],
  ["DET", ["Corktown", "Midtown", "Eastern Market", "Downtown", "New Center"]],
  ["COS", ["Old Colorado City", "Downtown", "Manitou", "Ivywild", "Patty Jewett"]],
  ["SEA", ["Capitol Hill", "Ballard", "Fremont", "Queen Anne", "Georgetown"]],
  ["NYC", ["East Village", "Chelsea", "Williamsburg", "Harlem", "SoHo"]],
  ["ABQ", ["Nob Hill", "Old Town", "Downtown", "Uptown", "North Valley"]],
  ["LAS", ["The Strip", "Arts District", "Downtown", "Paradise", "Spring Valley"]],
  ["MSP", ["North Loop", "Uptown", "Northeast", "Dinkytown", "Longfellow"]],
  ["NWK", ["Ironbound", "Downtown", "Forest Hill", "University Heights", "North Ward"]],
  ["TUS", ["Fourth Avenue", "Downtown", "Sam Hughes", "Barrio Viejo", "Catalina Foothills"]],
  ["SAC", ["Midtown", "East Sacramento", "Land Park", "Oak Park", "Downtown"]],
];

const cityCodes = CITY_ROWS.map((row) => row[0]);
const zipsByCity = joinByKey("CITY_ZIPS", cityCodes, CITY_ZIPS);
const neighbourhoodsByCity = joinByKey("CITY_NEIGHBOURHOODS", cityCodes, CITY_NEIGHBOURHOODS);

export const CITIES: readonly City[] = CITY_ROWS.map(([code, city, state, timeZone, taxBasisPoints, areaCodes], i) => ({
  code,
  city,
  state,
  timeZone,
  zips: zipsByCity[i]!,
  areaCodes,
  taxBasisPoints,
  neighbourhoods: neighbourhoodsByCity[i]!,
}));

export const STREET_NAMES: readonly string[] = [
  "Main St",
  "Oak Ave",
  "Maple St",
  "Pine St",
  "Cedar Ave",
  "Elm St",
  "Washington Ave",
  "Lake St",
  "Hill Rd",
  "Park Ave",
  "Broadway",
  "Colfax Ave",
  "Sunset Blvd",
  "Market St",
  "Grand Ave",
  "Lincoln Ave",
  "Jefferson St",
  "Madison Ave",
  "Franklin St",
  "Highland Ave",
  "Spruce St",
  "Walnut St",
  "Chestnut St",
  "Birch Ln",
  "Aspen Way",
  "Willow Dr",
  "River Rd",
  "Ridge Rd",
  "Canyon Blvd",
  "Mesa Dr",
  "Alameda Ave",
  "Union St",
  "Mission St",
  "Cherry Ln",
  "Juniper St",
  "Sycamore Ave",
  "Valley View Dr",
  "Summit Ave",
  "Prospect St",
  "Vine St",
];
