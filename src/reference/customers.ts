// The customer dimension (docs/contract.md §1.5): ids 1..CUSTOMERS, each generated on its own from
// (seed, id), so customer 42 is the same whatever CUSTOMERS is and lookups need not build the
// whole table. Homes are real cities from the gazetteer, weighted by population.
import { formatAddress } from './address.ts';
import { normalizePlaceName, type City, type Gazetteer } from './gazetteer.ts';
import { Random, hashSeed } from './prng.ts';
import type { Customer } from './types.ts';

export const DEFAULT_CUSTOMER_SEED = 'customers-v1';

export const SEGMENTS = ['consumer', 'small-business', 'corporate', 'vip'] as const;
export type Segment = (typeof SEGMENTS)[number];
const SEGMENT_WEIGHTS = [70, 16, 8, 6];

export const AGE_BANDS = ['18-24', '25-34', '35-44', '45-54', '55-64', '65+'] as const;
const AGE_BAND_WEIGHTS = [12, 24, 22, 18, 14, 10];

type Language = 'en' | 'de' | 'fr' | 'es' | 'pt' | 'it' | 'nl' | 'ja' | 'hi' | 'pl' | 'sv';

/** Where customers live: country, share of customers, language of names and streets. */
const COUNTRIES: readonly [string, number, Language][] = [
  ['US', 34, 'en'], ['GB', 8, 'en'], ['DE', 7, 'de'], ['FR', 6, 'fr'], ['CA', 5, 'en'], ['ES', 4, 'es'],
  ['IT', 4, 'it'], ['AU', 4, 'en'], ['BR', 4, 'pt'], ['IN', 4, 'hi'], ['NL', 3, 'nl'], ['MX', 3, 'es'],
  ['JP', 3, 'ja'], ['SE', 2, 'sv'], ['PL', 2, 'pl'], ['CH', 2, 'de'], ['IE', 1, 'en'], ['AT', 1, 'de'],
  ['BE', 1, 'fr'], ['PT', 1, 'pt'], ['AR', 1, 'es'],
];

const FIRST: Record<Language, readonly string[]> = {
  en: ['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William', 'Susan', 'Olivia', 'Noah', 'Emma', 'Liam', 'Ava', 'Ethan', 'Sophia', 'Mason'],
  de: ['Lukas', 'Anna', 'Leon', 'Lena', 'Felix', 'Marie', 'Jonas', 'Laura', 'Paul', 'Sophie', 'Maximilian', 'Hannah', 'Jan', 'Julia', 'Tobias', 'Katharina'],
  fr: ['Louis', 'Camille', 'Hugo', 'Léa', 'Jules', 'Chloé', 'Gabriel', 'Manon', 'Arthur', 'Inès', 'Raphaël', 'Zoé', 'Théo', 'Élise', 'Nathan', 'Margaux'],
  es: ['Alejandro', 'Lucía', 'Pablo', 'María', 'Daniel', 'Sofía', 'Javier', 'Martina', 'Diego', 'Valentina', 'Sergio', 'Paula', 'Andrés', 'Elena', 'Mateo', 'Carmen'],
  pt: ['João', 'Ana', 'Pedro', 'Beatriz', 'Lucas', 'Mariana', 'Gabriel', 'Larissa', 'Rafael', 'Juliana', 'Tiago', 'Inês', 'Miguel', 'Camila', 'Bruno', 'Fernanda'],
  it: ['Luca', 'Giulia', 'Marco', 'Francesca', 'Matteo', 'Chiara', 'Alessandro', 'Sara', 'Lorenzo', 'Martina', 'Davide', 'Elisa', 'Simone', 'Valentina', 'Andrea', 'Federica'],
  nl: ['Daan', 'Emma', 'Sem', 'Julia', 'Lucas', 'Tess', 'Milan', 'Sophie', 'Bram', 'Fleur', 'Thijs', 'Anouk', 'Ruben', 'Lotte', 'Jesse', 'Sanne'],
  ja: ['Haruto', 'Yui', 'Sota', 'Hina', 'Yuto', 'Aoi', 'Ren', 'Sakura', 'Kaito', 'Mei', 'Riku', 'Yuna', 'Takumi', 'Hana', 'Daiki', 'Miyu'],
  hi: ['Aarav', 'Ananya', 'Vihaan', 'Diya', 'Arjun', 'Isha', 'Rohan', 'Priya', 'Aditya', 'Kavya', 'Rahul', 'Neha', 'Vikram', 'Pooja', 'Karan', 'Sneha'],
  pl: ['Jakub', 'Zuzanna', 'Kacper', 'Julia', 'Szymon', 'Maja', 'Filip', 'Hanna', 'Mateusz', 'Lena', 'Michał', 'Alicja', 'Piotr', 'Natalia', 'Tomasz', 'Agnieszka'],
  sv: ['Erik', 'Elsa', 'Oscar', 'Alice', 'William', 'Maja', 'Lucas', 'Ebba', 'Hugo', 'Astrid', 'Nils', 'Freja', 'Axel', 'Saga', 'Viktor', 'Ingrid'],
};

const LAST: Record<Language, readonly string[]> = {
  en: ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Wilson', 'Taylor', 'Anderson', 'Thomas', 'Moore', 'Martin', 'Clark', 'Walker', 'Hall', 'Young', 'King', 'Wright', 'Scott'],
  de: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Koch', 'Richter', 'Klein', 'Wolf', 'Neumann', 'Braun'],
  fr: ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Simon', 'Laurent', 'Lefèvre', 'Michel', 'Garcia', 'Fournier'],
  es: ['García', 'Rodríguez', 'González', 'Fernández', 'López', 'Martínez', 'Sánchez', 'Pérez', 'Gómez', 'Martín', 'Jiménez', 'Ruiz', 'Hernández', 'Díaz', 'Moreno', 'Álvarez'],
  pt: ['Silva', 'Santos', 'Oliveira', 'Souza', 'Rodrigues', 'Ferreira', 'Alves', 'Pereira', 'Lima', 'Gomes', 'Costa', 'Ribeiro', 'Martins', 'Carvalho', 'Almeida', 'Lopes'],
  it: ['Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco', 'Bruno', 'Gallo', 'Conti', 'De Luca', 'Costa', 'Giordano'],
  nl: ['de Jong', 'Jansen', 'de Vries', 'van den Berg', 'van Dijk', 'Bakker', 'Janssen', 'Visser', 'Smit', 'Meijer', 'de Boer', 'Mulder', 'de Groot', 'Bos', 'Vos', 'Peters'],
  ja: ['Sato', 'Suzuki', 'Takahashi', 'Tanaka', 'Watanabe', 'Ito', 'Yamamoto', 'Nakamura', 'Kobayashi', 'Kato', 'Yoshida', 'Yamada', 'Sasaki', 'Yamaguchi', 'Matsumoto', 'Inoue'],
  hi: ['Sharma', 'Verma', 'Gupta', 'Patel', 'Singh', 'Kumar', 'Reddy', 'Iyer', 'Nair', 'Mehta', 'Joshi', 'Desai', 'Rao', 'Chopra', 'Malhotra', 'Bose'],
  pl: ['Nowak', 'Kowalski', 'Wiśniewski', 'Wójcik', 'Kowalczyk', 'Kamiński', 'Lewandowski', 'Zieliński', 'Szymański', 'Woźniak', 'Dąbrowski', 'Kozłowski', 'Jankowski', 'Mazur', 'Krawczyk', 'Piotrowski'],
  sv: ['Andersson', 'Johansson', 'Karlsson', 'Nilsson', 'Eriksson', 'Larsson', 'Olsson', 'Persson', 'Svensson', 'Gustafsson', 'Pettersson', 'Jonsson', 'Jansson', 'Hansson', 'Bengtsson', 'Lindberg'],
};

const STREET_NAMES: Record<Language, readonly string[]> = {
  en: ['Main Street', 'Oak Avenue', 'Maple Drive', 'Cedar Lane', 'Park Road', 'Elm Street', 'High Street', 'Church Road', 'Lakeview Drive', 'Washington Avenue', 'Mill Lane', 'Sunset Boulevard', 'King Street', 'Station Road', 'Willow Way', 'River Road'],
  de: ['Hauptstraße', 'Bahnhofstraße', 'Schulstraße', 'Gartenstraße', 'Lindenstraße', 'Kirchweg', 'Bergstraße', 'Waldstraße', 'Rosenweg', 'Am Markt', 'Mühlenweg', 'Friedrichstraße'],
  fr: ['rue de la Paix', 'avenue Victor Hugo', 'rue Pasteur', 'boulevard Voltaire', 'rue du Moulin', 'place de la République', 'rue des Écoles', 'avenue Jean Jaurès', 'rue de la Gare', 'chemin des Vignes'],
  es: ['Calle Mayor', 'Avenida de la Constitución', 'Calle del Sol', 'Paseo de la Castellana', 'Calle Real', 'Avenida Juárez', 'Calle de la Luna', 'Avenida Reforma', 'Calle Nueva', 'Plaza de España'],
  pt: ['Rua das Flores', 'Avenida Paulista', 'Rua Augusta', 'Avenida Atlântica', 'Rua do Comércio', 'Rua da Liberdade', 'Avenida Brasil', 'Rua Direita', 'Travessa do Carmo', 'Rua Nova'],
  it: ['Via Roma', 'Via Garibaldi', 'Corso Italia', 'Via Dante', 'Via Mazzini', 'Piazza del Duomo', 'Via Verdi', 'Via Manzoni', 'Viale Europa', 'Via Cavour'],
  nl: ['Kerkstraat', 'Dorpsstraat', 'Stationsweg', 'Molenweg', 'Schoolstraat', 'Prinsengracht', 'Julianalaan', 'Beatrixstraat', 'Nieuwstraat', 'Marktplein'],
  ja: ['Chuo-dori', 'Sakura-dori', 'Ekimae', 'Honcho', 'Midori-cho', 'Kasuga', 'Sakae', 'Asahi-cho', 'Hikari-cho', 'Minato'],
  hi: ['MG Road', 'Station Road', 'Park Street', 'Nehru Nagar', 'Gandhi Marg', 'Lake Road', 'Temple Street', 'Ring Road', 'Church Street', 'Residency Road'],
  pl: ['ul. Kwiatowa', 'ul. Polna', 'ul. Leśna', 'ul. Słoneczna', 'ul. Krótka', 'ul. Szkolna', 'ul. Ogrodowa', 'ul. Lipowa', 'ul. Długa', 'ul. Mickiewicza'],
  sv: ['Storgatan', 'Kungsgatan', 'Drottninggatan', 'Skolgatan', 'Kyrkogatan', 'Järnvägsgatan', 'Parkvägen', 'Björkvägen', 'Sjövägen', 'Ängsvägen'],
};

/** A street line in the local style: "12 Oak Avenue", "Lindenstraße 12", "12 rue Pasteur". */
export function streetLine(random: Random, language: Language): string {
  const name = random.pick(STREET_NAMES[language]);
  const number = random.int(1, language === 'en' ? 9899 : 199);
  switch (language) {
    case 'en':
    case 'fr':
    case 'hi':
      return `${number} ${name}`;
    case 'ja':
      return `${random.int(1, 9)}-${random.int(1, 30)}-${random.int(1, 20)} ${name}`;
    default:
      return `${name} ${number}`;
  }
}

const languageOf = new Map(COUNTRIES.map(([cc, , lang]) => [cc, lang]));

export function languageOfCountry(country: string): Language {
  return languageOf.get(country) ?? 'en';
}

/** Home-city candidates per country: cities of 100k+ people (20k+ where a country has few). */
function homeCities(gazetteer: Gazetteer, country: string): { cities: City[]; weights: number[] } {
  const usable = gazetteer.inCountry(country).filter((c) => !c.city.includes(',') && gazetteer.isCanonical(c));
  let cities = usable.filter((c) => c.population >= 100_000);
  if (cities.length < 5) cities = usable.filter((c) => c.population >= 20_000);
  if (cities.length === 0) throw new Error(`gazetteer has no city in ${country}`);
  return { cities, weights: cities.map((c) => c.population ** 0.6) };
}

function asciiLower(text: string): string {
  return normalizePlaceName(text).replace(/[^a-z0-9]+/g, '');
}

export class CustomerDimension {
  private readonly cache = new Map<number, Customer>();
  private readonly homes = new Map<string, ReturnType<typeof homeCities>>();
  private readonly countryWeights = COUNTRIES.map(([, w]) => w);

  constructor(
    readonly count: number,
    private readonly gazetteer: Gazetteer,
    private readonly seed: string = DEFAULT_CUSTOMER_SEED,
  ) {}

  /** The customer with that id ("1".."count"); undefined for any other id. */
  get(customerId: string): Customer | undefined {
    if (!/^[1-9]\d{0,9}$/.test(customerId)) return undefined;
    const id = Number(customerId);
    return id <= this.count ? this.byNumber(id) : undefined;
  }

  byNumber(id: number): Customer {
    let customer = this.cache.get(id);
    if (!customer) {
      customer = this.generate(id);
      this.cache.set(id, customer);
    }
    return customer;
  }

  private generate(id: number): Customer {
    const random = new Random(hashSeed(this.seed, id));
    const [country, , language] = COUNTRIES[random.weightedIndex(this.countryWeights)]!;
    let homes = this.homes.get(country);
    if (!homes) this.homes.set(country, (homes = homeCities(this.gazetteer, country)));
    const home = homes.cities[random.weightedIndex(homes.weights)]!;
    const first = random.pick(FIRST[language]);
    const last = random.pick(LAST[language]);
    const domain = random.pick(['example.com', 'example.net', 'example.org']);
    const segment = SEGMENTS[random.weightedIndex(SEGMENT_WEIGHTS)]!;
    const ageBand = AGE_BANDS[random.weightedIndex(AGE_BAND_WEIGHTS)]!;
    const street = streetLine(random, language);
    return {
      customerId: String(id),
      name: `${first} ${last}`,
      email: `${asciiLower(first)}.${asciiLower(last)}${id}@${domain}`,
      segment,
      ageBand,
      homeAddress: formatAddress(street, home.city, home.country),
      homeCity: home.city,
      homeCountry: home.country,
      homeLat: home.lat,
      homeLon: home.lon,
    };
  }
}
