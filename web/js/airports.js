// The 48 departure airports of the Mallorca offer dump, with the city a
// traveller would search for. `also` holds other spellings (local names,
// the airport's own name) so "München", "Köln" or "Weeze" find them too.
// Arrival is always Palma de Mallorca (PMI).

export const AIRPORTS = [
  { code: 'AMS', city: 'Amsterdam', country: 'NL', also: 'Schiphol' },
  { code: 'BER', city: 'Berlin', country: 'DE', also: 'Brandenburg' },
  { code: 'BLL', city: 'Billund', country: 'DK', also: '' },
  { code: 'BRE', city: 'Bremen', country: 'DE', also: '' },
  { code: 'BRN', city: 'Bern', country: 'CH', also: 'Belp' },
  { code: 'BRU', city: 'Brussels', country: 'BE', also: 'Bruxelles Brüssel Zaventem' },
  { code: 'BSL', city: 'Basel', country: 'CH', also: 'Mulhouse Freiburg EuroAirport' },
  { code: 'CGN', city: 'Cologne/Bonn', country: 'DE', also: 'Köln Bonn' },
  { code: 'CRL', city: 'Charleroi', country: 'BE', also: 'Brussels South' },
  { code: 'CSO', city: 'Magdeburg', country: 'DE', also: 'Cochstedt' },
  { code: 'DRS', city: 'Dresden', country: 'DE', also: '' },
  { code: 'DTM', city: 'Dortmund', country: 'DE', also: '' },
  { code: 'DUS', city: 'Düsseldorf', country: 'DE', also: 'Dusseldorf' },
  { code: 'EIN', city: 'Eindhoven', country: 'NL', also: '' },
  { code: 'ERF', city: 'Erfurt', country: 'DE', also: 'Weimar' },
  { code: 'FDH', city: 'Friedrichshafen', country: 'DE', also: 'Bodensee Lake Constance' },
  { code: 'FKB', city: 'Karlsruhe/Baden-Baden', country: 'DE', also: 'Baden Airpark' },
  { code: 'FMM', city: 'Memmingen', country: 'DE', also: 'Allgäu' },
  { code: 'FMO', city: 'Münster/Osnabrück', country: 'DE', also: 'Munster Osnabruck Greven' },
  { code: 'FRA', city: 'Frankfurt', country: 'DE', also: 'Frankfurt am Main' },
  { code: 'GRZ', city: 'Graz', country: 'AT', also: '' },
  { code: 'GVA', city: 'Geneva', country: 'CH', also: 'Genève Genf' },
  { code: 'GWT', city: 'Sylt', country: 'DE', also: 'Westerland' },
  { code: 'HAJ', city: 'Hanover', country: 'DE', also: 'Hannover' },
  { code: 'HAM', city: 'Hamburg', country: 'DE', also: '' },
  { code: 'HHN', city: 'Frankfurt-Hahn', country: 'DE', also: 'Hahn Hunsrück' },
  { code: 'INN', city: 'Innsbruck', country: 'AT', also: 'Tirol Tyrol' },
  { code: 'KLU', city: 'Klagenfurt', country: 'AT', also: 'Kärnten Carinthia' },
  { code: 'KRK', city: 'Kraków', country: 'PL', also: 'Krakow Cracow' },
  { code: 'KSF', city: 'Kassel', country: 'DE', also: 'Calden' },
  { code: 'LBC', city: 'Lübeck', country: 'DE', also: 'Lubeck' },
  { code: 'LEJ', city: 'Leipzig/Halle', country: 'DE', also: 'Halle' },
  { code: 'LNZ', city: 'Linz', country: 'AT', also: '' },
  { code: 'LUX', city: 'Luxembourg', country: 'LU', also: 'Findel' },
  { code: 'MUC', city: 'Munich', country: 'DE', also: 'München Muenchen' },
  { code: 'NRN', city: 'Weeze', country: 'DE', also: 'Niederrhein Düsseldorf Weeze' },
  { code: 'NUE', city: 'Nuremberg', country: 'DE', also: 'Nürnberg Nurnberg' },
  { code: 'PAD', city: 'Paderborn/Lippstadt', country: 'DE', also: 'Paderborn Lippstadt' },
  { code: 'PRG', city: 'Prague', country: 'CZ', also: 'Praha Prag' },
  { code: 'RLG', city: 'Rostock', country: 'DE', also: 'Laage' },
  { code: 'RTM', city: 'Rotterdam', country: 'NL', also: 'The Hague Den Haag' },
  { code: 'SCN', city: 'Saarbrücken', country: 'DE', also: 'Saarbrucken Saarland' },
  { code: 'STR', city: 'Stuttgart', country: 'DE', also: '' },
  { code: 'SXB', city: 'Strasbourg', country: 'FR', also: 'Straßburg Strassburg' },
  { code: 'SZG', city: 'Salzburg', country: 'AT', also: '' },
  { code: 'VIE', city: 'Vienna', country: 'AT', also: 'Wien Schwechat' },
  { code: 'WAW', city: 'Warsaw', country: 'PL', also: 'Warszawa Warschau Chopin' },
  { code: 'ZRH', city: 'Zurich', country: 'CH', also: 'Zürich Kloten' },
];

export const COUNTRIES = {
  AT: 'Austria', BE: 'Belgium', CH: 'Switzerland', CZ: 'Czechia', DE: 'Germany', DK: 'Denmark',
  FR: 'France', LU: 'Luxembourg', NL: 'Netherlands', PL: 'Poland',
};

const BY_CODE = new Map(AIRPORTS.map((a) => [a.code, a]));

export function airportByCode(code) {
  return BY_CODE.get(code);
}

/** "Munich (MUC)"; a code outside the table is shown as it is. */
export function airportLabel(code) {
  const a = BY_CODE.get(code);
  return a ? `${a.city} (${code})` : code;
}

/** Lower case without accents, so "munchen" finds "München". */
export function fold(s) {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/ß/g, 'ss').toLowerCase();
}

const HAYSTACK = new Map(AIRPORTS.map((a) => [a.code, fold(`${a.city} ${a.also} ${COUNTRIES[a.country]}`)]));

/**
 * Airports matching what the user typed: an exact code first, then codes
 * and words that start with the text, then any substring.
 */
export function searchAirports(text) {
  const q = fold(text.trim());
  if (!q) return AIRPORTS;
  const scored = [];
  for (const a of AIRPORTS) {
    const code = a.code.toLowerCase();
    const hay = HAYSTACK.get(a.code);
    let score = -1;
    if (code === q) score = 0;
    else if (code.startsWith(q)) score = 1;
    else if (hay.startsWith(q) || hay.includes(` ${q}`) || hay.includes(`/${q}`) || hay.includes(`-${q}`)) score = 2;
    else if (hay.includes(q)) score = 3;
    if (score >= 0) scored.push([score, a]);
  }
  scored.sort((x, y) => x[0] - y[0] || x[1].city.localeCompare(y[1].city));
  return scored.map((s) => s[1]);
}
