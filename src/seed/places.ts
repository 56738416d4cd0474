// Cities in US states with legal adult-use cannabis, spread over the continental time zones.
// Area codes are real ones for each city (phones must pass libphonenumber-js validation), zips
// are real ones in the city, tax rates are round approximations of the combined cannabis tax.

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

/** Ordered so that consecutive stores of a chain land in different time zones. */
export const CITIES: readonly City[] = [
  { code: "DEN", city: "Denver", state: "CO", timeZone: "America/Denver", zips: ["80202", "80203", "80205", "80206", "80210", "80211", "80218", "80220"], areaCodes: ["303", "720"], taxBasisPoints: 2015, neighbourhoods: ["Colfax", "RiNo", "Highlands", "Baker", "Capitol Hill"] },
  { code: "LAX", city: "Los Angeles", state: "CA", timeZone: "America/Los_Angeles", zips: ["90004", "90012", "90026", "90028", "90036", "90046", "90291"], areaCodes: ["213", "310", "323", "818"], taxBasisPoints: 2450, neighbourhoods: ["Silver Lake", "Venice", "Echo Park", "Hollywood", "Fairfax"] },
  { code: "CHI", city: "Chicago", state: "IL", timeZone: "America/Chicago", zips: ["60601", "60607", "60610", "60614", "60618", "60622", "60647"], areaCodes: ["312", "773", "872"], taxBasisPoints: 2575, neighbourhoods: ["River North", "Wicker Park", "Lincoln Park", "West Loop", "Logan Square"] },
  { code: "BOS", city: "Boston", state: "MA", timeZone: "America/New_York", zips: ["02108", "02110", "02115", "02116", "02118", "02127", "02130"], areaCodes: ["617", "857"], taxBasisPoints: 2000, neighbourhoods: ["Back Bay", "South End", "Fenway", "Seaport", "Jamaica Plain"] },
  { code: "PHX", city: "Phoenix", state: "AZ", timeZone: "America/Phoenix", zips: ["85003", "85004", "85006", "85008", "85013", "85016", "85018"], areaCodes: ["602", "480", "623"], taxBasisPoints: 2410, neighbourhoods: ["Roosevelt Row", "Arcadia", "Midtown", "Camelback", "Downtown"] },
  { code: "PDX", city: "Portland", state: "OR", timeZone: "America/Los_Angeles", zips: ["97201", "97205", "97209", "97214", "97217", "97232"], areaCodes: ["503", "971"], taxBasisPoints: 2000, neighbourhoods: ["Pearl District", "Hawthorne", "Alberta", "Division", "Mississippi"] },
  { code: "DET", city: "Detroit", state: "MI", timeZone: "America/Detroit", zips: ["48201", "48207", "48208", "48216", "48226"], areaCodes: ["313"], taxBasisPoints: 1600, neighbourhoods: ["Corktown", "Midtown", "Eastern Market", "Downtown", "New Center"] },
  { code: "COS", city: "Colorado Springs", state: "CO", timeZone: "America/Denver", zips: ["80903", "80904", "80905", "80907", "80909"], areaCodes: ["719"], taxBasisPoints: 1800, neighbourhoods: ["Old Colorado City", "Downtown", "Manitou", "Ivywild", "Patty Jewett"] },
  { code: "SEA", city: "Seattle", state: "WA", timeZone: "America/Los_Angeles", zips: ["98101", "98102", "98103", "98107", "98109", "98122"], areaCodes: ["206"], taxBasisPoints: 1035, neighbourhoods: ["Capitol Hill", "Ballard", "Fremont", "Queen Anne", "Georgetown"] },
  { code: "NYC", city: "New York", state: "NY", timeZone: "America/New_York", zips: ["10001", "10003", "10009", "10011", "10014", "10025", "11211"], areaCodes: ["212", "646", "718", "917"], taxBasisPoints: 2200, neighbourhoods: ["East Village", "Chelsea", "Williamsburg", "Harlem", "SoHo"] },
  { code: "ABQ", city: "Albuquerque", state: "NM", timeZone: "America/Denver", zips: ["87102", "87104", "87106", "87108", "87110"], areaCodes: ["505"], taxBasisPoints: 1990, neighbourhoods: ["Nob Hill", "Old Town", "Downtown", "Uptown", "North Valley"] },
  { code: "LAS", city: "Las Vegas", state: "NV", timeZone: "America/Los_Angeles", zips: ["89101", "89102", "89104", "89109", "89119"], areaCodes: ["702", "725"], taxBasisPoints: 1838, neighbourhoods: ["The Strip", "Arts District", "Downtown", "Paradise", "Spring Valley"] },
  { code: "MSP", city: "Minneapolis", state: "MN", timeZone: "America/Chicago", zips: ["55401", "55403", "55405", "55408", "55414"], areaCodes: ["612"], taxBasisPoints: 1838, neighbourhoods: ["North Loop", "Uptown", "Northeast", "Dinkytown", "Longfellow"] },
  { code: "NWK", city: "Newark", state: "NJ", timeZone: "America/New_York", zips: ["07102", "07104", "07105", "07107", "07114"], areaCodes: ["973", "862"], taxBasisPoints: 1063, neighbourhoods: ["Ironbound", "Downtown", "Forest Hill", "University Heights", "North Ward"] },
  { code: "TUS", city: "Tucson", state: "AZ", timeZone: "America/Phoenix", zips: ["85701", "85705", "85716", "85719", "85745"], areaCodes: ["520"], taxBasisPoints: 2210, neighbourhoods: ["Fourth Avenue", "Downtown", "Sam Hughes", "Barrio Viejo", "Catalina Foothills"] },
  { code: "SAC", city: "Sacramento", state: "CA", timeZone: "America/Los_Angeles", zips: ["95811", "95814", "95816", "95818", "95819"], areaCodes: ["916", "279"], taxBasisPoints: 2325, neighbourhoods: ["Midtown", "East Sacramento", "Land Park", "Oak Park", "Downtown"] },
];

export const STREET_NAMES: readonly string[] = [
  "Main St", "Oak Ave", "Maple St", "Pine St", "Cedar Ave", "Elm St", "Washington Ave", "Lake St", "Hill Rd",
  "Park Ave", "Broadway", "Colfax Ave", "Sunset Blvd", "Market St", "Grand Ave", "Lincoln Ave", "Jefferson St",
  "Madison Ave", "Franklin St", "Highland Ave", "Spruce St", "Walnut St", "Chestnut St", "Birch Ln", "Aspen Way",
  "Willow Dr", "River Rd", "Ridge Rd", "Canyon Blvd", "Mesa Dr", "Alameda Ave", "Union St", "Mission St",
  "Cherry Ln", "Juniper St", "Sycamore Ave", "Valley View Dr", "Summit Ave", "Prospect St", "Vine St",
];
