/* The shipped lexicon: every word the intent parser knows, as data.
 *
 * Rows are written the way people write them (umlauts, capitals, hyphens);
 * nlq.c folds them exactly as it folds the input, and adds the ä->a spelling
 * of each row beside the ä->ae one. Order matters only for a text listed
 * twice: the first row wins. */
#include "nlq/lexicon.h"

#include <stddef.h>

#define MEAL(b) (1u << (b))
enum { M_NONE, M_BREAKFAST, M_HALF, M_HALFPLUS, M_FULL, M_FULLPLUS, M_AI, M_AIPLUS, M_DESCR, M_PROGRAM };
enum {
    R_APARTMENT, R_DOUBLE, R_STUDIO, R_SINGLE, R_SUPERIOR, R_ECONOMY, R_FAMILY, R_TRIPLE, R_SUITE, R_DESCR,
    R_BUNGALOW, R_DELUXE, R_MULTISHARE, R_TWIN, R_FOURBED, R_VILLA, R_HOUSE, R_JUNIORSUITE, R_DUPLEX
};

const char *const nlq_meal_codes[] = {
    "NONE", "BREAKFAST", "HALFBOARD", "HALFBOARDPLUS", "FULLBOARD", "FULLBOARDPLUS",
    "ALLINCLUSIVE", "ALLINCLUSIVEPLUS", "ACCORDINGDESCRIPTION", "PROGRAM"};
const unsigned nlq_n_meals = sizeof nlq_meal_codes / sizeof *nlq_meal_codes;

const char *const nlq_room_codes[] = {
    "APARTMENT", "DOUBLE", "STUDIO", "SINGLE", "SUPERIOR", "ECONOMY", "FAMILY", "TRIPLE", "SUITE",
    "ACCORDINGDESCRIPTION", "BUNGALOW", "DELUXE", "MULTISHARE", "TWINROOM", "FOURBEDROOM", "VILLA",
    "HOLIDAYHOUSE", "JUNIORSUITE", "DUPLEX"};
const unsigned nlq_n_rooms = sizeof nlq_room_codes / sizeof *nlq_room_codes;

#define HALF (MEAL(M_HALF) | MEAL(M_HALFPLUS))
#define FULL (MEAL(M_FULL) | MEAL(M_FULLPLUS))
#define AI (MEAL(M_AI) | MEAL(M_AIPLUS))

const nlq_word nlq_words[] = {
    /* numbers */
    {"eins", C_NUMBER, 1}, {"one", C_NUMBER, 1}, {"einem", C_NUMBER, 1}, {"einer", C_NUMBER, 1},
    {"ein", C_ARTICLE, 1}, {"eine", C_ARTICLE, 1}, {"einen", C_ARTICLE, 1}, {"a", C_ARTICLE, 1},
    {"an", C_ARTICLE, 1},
    {"zwei", C_NUMBER, 2}, {"zwo", C_NUMBER, 2}, {"two", C_NUMBER, 2}, {"drei", C_NUMBER, 3},
    {"three", C_NUMBER, 3}, {"vier", C_NUMBER, 4}, {"four", C_NUMBER, 4}, {"fünf", C_NUMBER, 5},
    {"five", C_NUMBER, 5}, {"sechs", C_NUMBER, 6}, {"six", C_NUMBER, 6}, {"sieben", C_NUMBER, 7},
    {"seven", C_NUMBER, 7}, {"acht", C_NUMBER, 8}, {"eight", C_NUMBER, 8}, {"neun", C_NUMBER, 9},
    {"nine", C_NUMBER, 9}, {"zehn", C_NUMBER, 10}, {"ten", C_NUMBER, 10}, {"elf", C_NUMBER, 11},
    {"eleven", C_NUMBER, 11}, {"zwölf", C_NUMBER, 12}, {"twelve", C_NUMBER, 12},
    {"dreizehn", C_NUMBER, 13}, {"thirteen", C_NUMBER, 13}, {"vierzehn", C_NUMBER, 14},
    {"fourteen", C_NUMBER, 14}, {"fünfzehn", C_NUMBER, 15}, {"fifteen", C_NUMBER, 15},
    {"sechzehn", C_NUMBER, 16}, {"sixteen", C_NUMBER, 16}, {"siebzehn", C_NUMBER, 17},
    {"seventeen", C_NUMBER, 17}, {"achtzehn", C_NUMBER, 18}, {"eighteen", C_NUMBER, 18},
    {"neunzehn", C_NUMBER, 19}, {"nineteen", C_NUMBER, 19}, {"zwanzig", C_NUMBER, 20},
    {"twenty", C_NUMBER, 20}, {"einundzwanzig", C_NUMBER, 21}, {"twenty one", C_NUMBER, 21},
    {"einem paar", C_PARTY, 2},

    /* party */
    {"erwachsene", C_ADULT, 0}, {"erwachsener", C_ADULT, 0}, {"erwachsenen", C_ADULT, 0},
    {"erw", C_ADULT, 0}, {"adult", C_ADULT, 0}, {"adults", C_ADULT, 0}, {"grown ups", C_ADULT, 0},
    {"kind", C_CHILD, 1}, {"kindern", C_CHILD, 0}, {"kinder", C_CHILD, 0}, {"child", C_CHILD, 1},
    {"children", C_CHILD, 0}, {"kid", C_CHILD, 1}, {"kids", C_CHILD, 0}, {"kiddies", C_CHILD, 0},
    {"sohn", C_CHILD, 1}, {"tochter", C_CHILD, 1}, {"son", C_CHILD, 1}, {"daughter", C_CHILD, 1},
    {"söhne", C_CHILD, 0}, {"töchter", C_CHILD, 0}, {"sons", C_CHILD, 0}, {"daughters", C_CHILD, 0},
    {"baby", C_BABY, 0}, {"kleinkind", C_BABY, 0}, {"toddler", C_BABY, 0}, {"infant", C_BABY, 0},
    {"personen", C_PERSON, 0}, {"person", C_PERSON, 0}, {"pers", C_PERSON, 0}, {"leute", C_PERSON, 0},
    {"people", C_PERSON, 0}, {"persons", C_PERSON, 0}, {"pax", C_PERSON, 0},
    {"reisende", C_PERSON, 0}, {"travellers", C_PERSON, 0}, {"travelers", C_PERSON, 0},
    {"paar", C_PARTY, 2}, {"pärchen", C_PARTY, 2}, {"ehepaar", C_PARTY, 2}, {"couple", C_PARTY, 2},
    {"zu zweit", C_PARTY, 2}, {"zu dritt", C_PARTY, 3}, {"zu viert", C_PARTY, 4},
    {"zu fünft", C_PARTY, 5}, {"wir beide", C_PARTY, 2}, {"wir zwei", C_PARTY, 2},
    {"the two of us", C_PARTY, 2}, {"two of us", C_PARTY, 2}, {"me and my wife", C_PARTY, 2},
    {"me and my husband", C_PARTY, 2}, {"mit meiner frau", C_PARTY, 2}, {"mit meinem mann", C_PARTY, 2},
    {"mit meiner freundin", C_PARTY, 2}, {"mit meinem freund", C_PARTY, 2},
    {"with my wife", C_PARTY, 2}, {"with my husband", C_PARTY, 2}, {"with my girlfriend", C_PARTY, 2},
    {"with my boyfriend", C_PARTY, 2}, {"with my partner", C_PARTY, 2}, {"mit partner", C_PARTY, 2},
    {"allein", C_PARTY, 1}, {"alleine", C_PARTY, 1}, {"alone", C_PARTY, 1}, {"solo", C_PARTY, 1},
    {"by myself", C_PARTY, 1}, {"just me", C_PARTY, 1}, {"nur ich", C_PARTY, 1},
    {"single traveller", C_PARTY, 1}, {"solo traveller", C_PARTY, 1}, {"solo traveler", C_PARTY, 1}, {"single traveler", C_PARTY, 1}, {"für mich", C_PARTY, 1},
    {"familie", C_FAMILY, 0}, {"family", C_FAMILY, 0}, {"familienurlaub", C_FAMILY, 0},
    {"family holiday", C_FAMILY, 0},

    /* length of stay */
    {"nacht", C_NIGHT, 0}, {"nächte", C_NIGHT, 0}, {"nächten", C_NIGHT, 0}, {"night", C_NIGHT, 0},
    {"nights", C_NIGHT, 0}, {"nts", C_NIGHT, 0}, {"übernachtungen", C_NIGHT, 0},
    {"übernachtung", C_NIGHT, 0},
    {"tag", C_DAY, 0}, {"tage", C_DAY, 0}, {"tagen", C_DAY, 0}, {"tägig", C_DAY, 0},
    {"tägige", C_DAY, 0}, {"tägigen", C_DAY, 0}, {"day", C_DAY, 0}, {"days", C_DAY, 0},
    {"woche", C_WEEK, 0}, {"wochen", C_WEEK, 0}, {"week", C_WEEK, 0}, {"weeks", C_WEEK, 0},
    {"wöchig", C_WEEK, 0}, {"wöchige", C_WEEK, 0}, {"wk", C_WEEK, 0}, {"wks", C_WEEK, 0},
    {"fortnight", C_STAY, 14}, {"wochenende", C_STAY, 2}, {"weekend", C_STAY, 2},
    {"verlängertes wochenende", C_STAY, 3}, {"langes wochenende", C_STAY, 3},
    {"long weekend", C_STAY, 3}, {"extended weekend", C_STAY, 3}, {"kurztrip", C_STAY, 3},
    {"city trip", C_STAY, 3}, {"einwöchig", C_STAY, 7}, {"zweiwöchig", C_STAY, 14},

    /* months and parts of months */
    {"januar", C_MONTH, 1}, {"jänner", C_MONTH, 1}, {"january", C_MONTH, 1}, {"jan", C_MONTH, 1},
    {"februar", C_MONTH, 2}, {"february", C_MONTH, 2}, {"feb", C_MONTH, 2}, {"märz", C_MONTH, 3},
    {"march", C_MONTH, 3}, {"mär", C_MONTH, 3}, {"mar", C_MONTH, 3}, {"april", C_MONTH, 4},
    {"apr", C_MONTH, 4}, {"mai", C_MONTH, 5}, {"may", C_MONTH, 5}, {"juni", C_MONTH, 6},
    {"june", C_MONTH, 6}, {"jun", C_MONTH, 6}, {"juli", C_MONTH, 7}, {"july", C_MONTH, 7},
    {"jul", C_MONTH, 7}, {"august", C_MONTH, 8}, {"aug", C_MONTH, 8}, {"september", C_MONTH, 9},
    {"sept", C_MONTH, 9}, {"sep", C_MONTH, 9}, {"oktober", C_MONTH, 10}, {"october", C_MONTH, 10},
    {"okt", C_MONTH, 10}, {"oct", C_MONTH, 10}, {"november", C_MONTH, 11}, {"nov", C_MONTH, 11},
    {"dezember", C_MONTH, 12}, {"december", C_MONTH, 12}, {"dez", C_MONTH, 12}, {"dec", C_MONTH, 12},
    {"anfang", C_PART, 0}, {"anfangs", C_PART, 0}, {"beginning of", C_PART, 0},
    {"start of", C_PART, 0}, {"early", C_PART, 0}, {"erste hälfte", C_PART, 0},
    {"mitte", C_PART, 1}, {"mid", C_PART, 1}, {"middle of", C_PART, 1}, {"the middle of", C_PART, 1},
    {"ende", C_PART, 2}, {"end of", C_PART, 2}, {"the end of", C_PART, 2}, {"late", C_PART, 2},
    {"the beginning of", C_PART, 0}, {"first week of", C_PART, 0}, {"the first week of", C_PART, 0},
    {"last week of", C_PART, 2}, {"the last week of", C_PART, 2}, {"erste woche", C_PART, 0},
    {"letzte woche", C_PART, 2}, {"erste hälfte", C_PART, 0}, {"the start of", C_PART, 0}, {"zweite hälfte", C_PART, 2},

    /* holidays: only those with dates in nlq_holidays */
    {"ostern", C_HOLIDAY, H_EASTER}, {"osterferien", C_HOLIDAY, H_EASTER}, {"easter", C_HOLIDAY, H_EASTER},
    {"easter holidays", C_HOLIDAY, H_EASTER}, {"pfingsten", C_HOLIDAY, H_PENTECOST},
    {"pfingstferien", C_HOLIDAY, H_PENTECOST}, {"pentecost", C_HOLIDAY, H_PENTECOST},
    {"whitsun", C_HOLIDAY, H_PENTECOST}, {"sommerferien", C_HOLIDAY, H_SUMMER},
    {"summer holidays", C_HOLIDAY, H_SUMMER}, {"summer vacation", C_HOLIDAY, H_SUMMER},
    {"school holidays", C_HOLIDAY, H_SUMMER}, {"weihnachten", C_HOLIDAY, H_CHRISTMAS},
    {"weihnachtsferien", C_HOLIDAY, H_CHRISTMAS}, {"christmas", C_HOLIDAY, H_CHRISTMAS},
    {"xmas", C_HOLIDAY, H_CHRISTMAS}, {"silvester", C_HOLIDAY, H_NEWYEAR},
    {"neujahr", C_HOLIDAY, H_NEWYEAR}, {"new year", C_HOLIDAY, H_NEWYEAR},
    {"new years eve", C_HOLIDAY, H_NEWYEAR}, {"new year's eve", C_HOLIDAY, H_NEWYEAR},
    {"jahreswechsel", C_HOLIDAY, H_NEWYEAR},

    /* board */
    {"all inclusive", C_MEAL, AI}, {"allinclusive", C_MEAL, AI}, {"all inklusive", C_MEAL, AI},
    {"alles inklusive", C_MEAL, AI}, {"all in", C_MEAL, AI}, {"ai", C_MEAL, AI},
    {"all inclusive plus", C_MEAL, MEAL(M_AIPLUS)}, {"ai plus", C_MEAL, MEAL(M_AIPLUS)},
    {"premium all inclusive", C_MEAL, MEAL(M_AIPLUS)}, {"ultra all inclusive", C_MEAL, MEAL(M_AIPLUS)},
    {"halbpension", C_MEAL, HALF}, {"halb pension", C_MEAL, HALF}, {"voll pension", C_MEAL, FULL},
    {"all inclusive ultra", C_MEAL, MEAL(M_AIPLUS)}, {"hp", C_MEAL, HALF}, {"half board", C_MEAL, HALF},
    {"halfboard", C_MEAL, HALF}, {"halbpension plus", C_MEAL, MEAL(M_HALFPLUS)},
    {"hp plus", C_MEAL, MEAL(M_HALFPLUS)}, {"half board plus", C_MEAL, MEAL(M_HALFPLUS)},
    {"vollpension", C_MEAL, FULL}, {"vp", C_MEAL, FULL}, {"full board", C_MEAL, FULL},
    {"fullboard", C_MEAL, FULL}, {"vollpension plus", C_MEAL, MEAL(M_FULLPLUS)},
    {"vp plus", C_MEAL, MEAL(M_FULLPLUS)}, {"full board plus", C_MEAL, MEAL(M_FULLPLUS)},
    {"frühstück", C_MEAL, MEAL(M_BREAKFAST)}, {"breakfast", C_MEAL, MEAL(M_BREAKFAST)},
    {"mit frühstück", C_MEAL, MEAL(M_BREAKFAST)}, {"übernachtung mit frühstück", C_MEAL, MEAL(M_BREAKFAST)},
    {"bed and breakfast", C_MEAL, MEAL(M_BREAKFAST)}, {"b&b", C_MEAL, MEAL(M_BREAKFAST)},
    {"bed & breakfast", C_MEAL, MEAL(M_BREAKFAST)}, {"frühstücksbuffet", C_MEAL, MEAL(M_BREAKFAST)},
    {"ohne verpflegung", C_MEAL, MEAL(M_NONE)}, {"keine verpflegung", C_MEAL, MEAL(M_NONE)},
    {"nur übernachtung", C_MEAL, MEAL(M_NONE)}, {"selbstverpflegung", C_MEAL, MEAL(M_NONE)},
    {"room only", C_MEAL, MEAL(M_NONE)}, {"self catering", C_MEAL, MEAL(M_NONE)},
    {"no meals", C_MEAL, MEAL(M_NONE)}, {"without meals", C_MEAL, MEAL(M_NONE)},
    {"no board", C_MEAL, MEAL(M_NONE)}, {"ohne frühstück", C_MEAL, MEAL(M_NONE)},
    {"kein frühstück", C_MEAL, MEAL(M_NONE)}, {"without breakfast", C_MEAL, MEAL(M_NONE)},
    {"no breakfast", C_MEAL, MEAL(M_NONE)}, {"ohne essen", C_MEAL, MEAL(M_NONE)},

    /* room */
    {"suite", C_ROOM, 1u << R_SUITE}, {"suiten", C_ROOM, 1u << R_SUITE}, {"suites", C_ROOM, 1u << R_SUITE},
    {"junior suite", C_ROOM, 1u << R_JUNIORSUITE}, {"juniorsuite", C_ROOM, 1u << R_JUNIORSUITE},
    {"familienzimmer", C_ROOM, 1u << R_FAMILY}, {"familien zimmer", C_ROOM, 1u << R_FAMILY},
    {"doppel zimmer", C_ROOM, 1u << R_DOUBLE}, {"einzel zimmer", C_ROOM, 1u << R_SINGLE}, {"family room", C_ROOM, 1u << R_FAMILY},
    {"familyroom", C_ROOM, 1u << R_FAMILY}, {"doppelzimmer", C_ROOM, 1u << R_DOUBLE},
    {"dz", C_ROOM, 1u << R_DOUBLE}, {"double room", C_ROOM, 1u << R_DOUBLE},
    {"double", C_ROOM, 1u << R_DOUBLE}, {"einzelzimmer", C_ROOM, 1u << R_SINGLE},
    {"ez", C_ROOM, 1u << R_SINGLE}, {"single room", C_ROOM, 1u << R_SINGLE},
    {"apartment", C_ROOM, 1u << R_APARTMENT}, {"appartement", C_ROOM, 1u << R_APARTMENT},
    {"appartment", C_ROOM, 1u << R_APARTMENT}, {"ferienwohnung", C_ROOM, 1u << R_APARTMENT},
    {"fewo", C_ROOM, 1u << R_APARTMENT}, {"flat", C_ROOM, 1u << R_APARTMENT},
    {"studio", C_ROOM, 1u << R_STUDIO}, {"bungalow", C_ROOM, 1u << R_BUNGALOW},
    {"villa", C_ROOM, 1u << R_VILLA}, {"finca", C_ROOM, 1u << R_VILLA},
    {"ferienhaus", C_ROOM, 1u << R_HOUSE}, {"holiday house", C_ROOM, 1u << R_HOUSE},
    {"holiday home", C_ROOM, 1u << R_HOUSE}, {"dreibettzimmer", C_ROOM, 1u << R_TRIPLE},
    {"triple room", C_ROOM, 1u << R_TRIPLE}, {"vierbettzimmer", C_ROOM, 1u << R_FOURBED},
    {"four bed room", C_ROOM, 1u << R_FOURBED}, {"zweibettzimmer", C_ROOM, 1u << R_TWIN},
    {"twin room", C_ROOM, 1u << R_TWIN}, {"twin", C_ROOM, 1u << R_TWIN},
    {"deluxe", C_ROOM, 1u << R_DELUXE}, {"de luxe", C_ROOM, 1u << R_DELUXE},
    {"deluxe zimmer", C_ROOM, 1u << R_DELUXE}, {"deluxe room", C_ROOM, 1u << R_DELUXE},
    {"superior", C_ROOM, 1u << R_SUPERIOR}, {"superior zimmer", C_ROOM, 1u << R_SUPERIOR},
    {"superior room", C_ROOM, 1u << R_SUPERIOR}, {"economy", C_ROOM, 1u << R_ECONOMY},
    {"economy room", C_ROOM, 1u << R_ECONOMY}, {"duplex", C_ROOM, 1u << R_DUPLEX},
    {"maisonette", C_ROOM, 1u << R_DUPLEX}, {"mehrbettzimmer", C_ROOM, 1u << R_MULTISHARE},
    {"dorm", C_ROOM, 1u << R_MULTISHARE}, {"shared room", C_ROOM, 1u << R_MULTISHARE},

    /* view */
    {"meerblick", C_OCEAN, 0}, {"meersicht", C_OCEAN, 0}, {"blick aufs meer", C_OCEAN, 0},
    {"blick auf das meer", C_OCEAN, 0}, {"meerseite", C_OCEAN, 0}, {"seeblick", C_OCEAN, 0},
    {"sea view", C_OCEAN, 0}, {"seaview", C_OCEAN, 0}, {"ocean view", C_OCEAN, 0},
    {"oceanview", C_OCEAN, 0}, {"view of the sea", C_OCEAN, 0}, {"sea facing", C_OCEAN, 0},
    {"zimmer mit meerblick", C_OCEAN, 0}, {"room with sea view", C_OCEAN, 0},

    /* stars and money */
    {"stern", C_STAR, 0}, {"sterne", C_STAR, 0}, {"sternen", C_STAR, 0}, {"sterne hotel", C_STAR, 0},
    {"sternehotel", C_STAR, 0}, {"star", C_STAR, 0}, {"stars", C_STAR, 0}, {"star hotel", C_STAR, 0},
    {"euro", C_EURO, 0}, {"euros", C_EURO, 0}, {"eur", C_EURO, 0}, {"€", C_EURO, 0},
    {"pro person", C_PER_PERSON, 0}, {"pro pers", C_PER_PERSON, 0}, {"pro kopf", C_PER_PERSON, 0},
    {"p p", C_PER_PERSON, 0}, {"pp", C_PER_PERSON, 0}, {"per person", C_PER_PERSON, 0},
    {"per head", C_PER_PERSON, 0}, {"each", C_PER_PERSON, 0}, {"pro nase", C_PER_PERSON, 0},
    {"je person", C_PER_PERSON, 0}, {"a head", C_PER_PERSON, 0}, {"pro erwachsener", C_PER_PERSON, 0},

    /* connectives */
    {"ab", C_FROM, 0}, {"von", C_FROM, 0}, {"vom", C_FROM, 0}, {"from", C_FROM, 0},
    {"abflug", C_FROM, 0}, {"abflug ab", C_FROM, 0}, {"abflughafen", C_FROM, 0},
    {"departing from", C_FROM, 0}, {"flying from", C_FROM, 0}, {"fly from", C_FROM, 0},
    {"leaving from", C_FROM, 0}, {"starting", C_FROM, 0}, {"after", C_FROM, 0}, {"nach dem", C_FROM, 0},
    {"bis", C_TO, 0}, {"bis zum", C_TO, 0}, {"to", C_TO, 0}, {"till", C_TO, 0}, {"until", C_TO, 0},
    {"through", C_TO, 0}, {"thru", C_TO, 0}, {"spätestens", C_TO, 0}, {"before", C_TO, 0},
    {"zwischen", C_BETWEEN, 0}, {"between", C_BETWEEN, 0},
    {"und", C_AND, 0}, {"and", C_AND, 0}, {"&", C_AND, 0}, {"sowie", C_AND, 0}, {"plus", C_AND, 0},
    {"oder", C_OR, 0}, {"or", C_OR, 0}, {"bzw", C_OR, 0},
    {"mit", C_WITH, 0}, {"with", C_WITH, 0}, {"inkl", C_WITH, 0}, {"inklusive", C_WITH, 0},
    {"including", C_WITH, 0}, {"incl", C_WITH, 0},
    {"ohne", C_NEG, 0}, {"kein", C_NEG, 0}, {"keine", C_NEG, 0}, {"keinen", C_NEG, 0},
    {"no", C_NEG, 0}, {"without", C_NEG, 0}, {"not", C_NEG, 0}, {"nicht", C_NEG, 0},
    {"unter", C_MAX, 0}, {"max", C_MAX, 0}, {"maximal", C_MAX, 0}, {"maximum", C_MAX, 0},
    {"höchstens", C_MAX, 0}, {"bis zu", C_MAX, 0}, {"budget", C_MAX, 0}, {"under", C_MAX, 0},
    {"below", C_MAX, 0}, {"up to", C_MAX, 0}, {"less than", C_MAX, 0}, {"no more than", C_MAX, 0},
    {"not more than", C_MAX, 0}, {"weniger als", C_MAX, 0}, {"nicht mehr als", C_MAX, 0},
    {"günstiger als", C_MAX, 0}, {"billiger als", C_MAX, 0}, {"cheaper than", C_MAX, 0},
    {"at most", C_MAX, 0}, {"budget of", C_MAX, 0}, {"budget von", C_MAX, 0}, {"preis bis", C_MAX, 0},
    {"mindestens", C_MIN, 0}, {"min", C_MIN, 0}, {"minimum", C_MIN, 0}, {"at least", C_MIN, 0},
    {"wenigstens", C_MIN, 0}, {"or more", C_MIN, 0}, {"oder mehr", C_MIN, 0}, {"und mehr", C_MIN, 0},
    {"or better", C_MIN, 0}, {"oder besser", C_MIN, 0}, {"und besser", C_MIN, 0},
    {"für", C_FOR, 0}, {"for", C_FOR, 0},

    /* hotel features isla has no data for: reported, never taken for a hotel name */
    {"pool", C_FEATURE, 0}, {"pools", C_FEATURE, 0}, {"swimmingpool", C_FEATURE, 0}, {"spa", C_FEATURE, 0},
    {"wellness", C_FEATURE, 0}, {"strand", C_FEATURE, 0}, {"beach", C_FEATURE, 0}, {"strandnähe", C_FEATURE, 0},
    {"adults only", C_FEATURE, 0}, {"nur erwachsene", C_FEATURE, 0}, {"animation", C_FEATURE, 0},
    {"kinderclub", C_FEATURE, 0}, {"kids club", C_FEATURE, 0}, {"wifi", C_FEATURE, 0}, {"wlan", C_FEATURE, 0},
    {"hund", C_FEATURE, 0}, {"dog", C_FEATURE, 0}, {"haustier", C_FEATURE, 0}, {"pet", C_FEATURE, 0},
    {"golf", C_FEATURE, 0}, {"fitness", C_FEATURE, 0}, {"gym", C_FEATURE, 0}, {"sauna", C_FEATURE, 0},
    {"parkplatz", C_FEATURE, 0}, {"parking", C_FEATURE, 0}, {"balkon", C_FEATURE, 0}, {"balcony", C_FEATURE, 0},
    {"terrasse", C_FEATURE, 0}, {"klimaanlage", C_FEATURE, 0}, {"air conditioning", C_FEATURE, 0},

    /* words that carry no search meaning: never reported */
    {"als", C_FILLER, 0}, {"as", C_FILLER, 0}, {"über", C_FILLER, 0}, {"over", C_FILLER, 0},
    {"davon", C_FILLER, 0}, {"we'd", C_FILLER, 0}, {"i'd", C_FILLER, 0}, {"we're", C_FILLER, 0},
    {"i'm", C_FILLER, 0}, {"included", C_FILLER, 0}, {"inclusive", C_FILLER, 0}, {"sucht", C_FILLER, 0}, {"suchen nach", C_FILLER, 0}, {"of which", C_FILLER, 0}, {"x", C_FILLER, 0}, {"n", C_NIGHT, 0},
    {"aus", C_FROM, 0}, {"out of", C_FROM, 0},
    {"ich", C_FILLER, 0}, {"wir", C_FILLER, 0}, {"i", C_FILLER, 0}, {"we", C_FILLER, 0},
    {"möchte", C_FILLER, 0}, {"möchten", C_FILLER, 0}, {"will", C_FILLER, 0}, {"wollen", C_FILLER, 0},
    {"suche", C_FILLER, 0}, {"suchen", C_FILLER, 0}, {"want", C_FILLER, 0}, {"would", C_FILLER, 0},
    {"like", C_FILLER, 0}, {"looking", C_FILLER, 0}, {"need", C_FILLER, 0}, {"brauchen", C_FILLER, 0},
    {"urlaub", C_FILLER, 0}, {"reise", C_FILLER, 0}, {"reisen", C_FILLER, 0}, {"pauschalreise", C_FILLER, 0},
    {"pauschalurlaub", C_FILLER, 0}, {"holiday", C_FILLER, 0}, {"holidays", C_FILLER, 0},
    {"vacation", C_FILLER, 0}, {"trip", C_FILLER, 0}, {"travel", C_FILLER, 0}, {"package", C_FILLER, 0},
    {"flug", C_FILLER, 0}, {"flight", C_FILLER, 0}, {"flights", C_FILLER, 0}, {"fliegen", C_FILLER, 0},
    {"fly", C_FILLER, 0}, {"flying", C_FILLER, 0}, {"hotel", C_FILLER, 0}, {"hotels", C_FILLER, 0},
    {"unterkunft", C_FILLER, 0}, {"zimmer", C_FILLER, 0}, {"room", C_FILLER, 0}, {"rooms", C_FILLER, 0},
    {"im", C_FILLER, 0}, {"in", C_FILLER, 0}, {"am", C_FILLER, 0}, {"an", C_FILLER, 0},
    {"on", C_FILLER, 0}, {"at", C_FILLER, 0}, {"the", C_FILLER, 0}, {"der", C_FILLER, 0},
    {"die", C_FILLER, 0}, {"das", C_FILLER, 0}, {"dem", C_FILLER, 0}, {"den", C_FILLER, 0},
    {"des", C_FILLER, 0}, {"of", C_FILLER, 0}, {"nach", C_FILLER, 0}, {"auf", C_FILLER, 0},
    {"zum", C_FILLER, 0}, {"zur", C_FILLER, 0}, {"zu", C_FILLER, 0}, {"um", C_FILLER, 0},
    {"bitte", C_FILLER, 0}, {"please", C_FILLER, 0}, {"gerne", C_FILLER, 0}, {"gern", C_FILLER, 0},
    {"günstig", C_FILLER, 0}, {"günstige", C_FILLER, 0}, {"günstigen", C_FILLER, 0},
    {"billig", C_FILLER, 0}, {"cheap", C_FILLER, 0}, {"cheapest", C_FILLER, 0},
    {"angebot", C_FILLER, 0}, {"angebote", C_FILLER, 0}, {"offer", C_FILLER, 0}, {"offers", C_FILLER, 0},
    {"deal", C_FILLER, 0}, {"deals", C_FILLER, 0}, {"last minute", C_FILLER, 0},
    {"pauschal", C_FILLER, 0}, {"insel", C_FILLER, 0}, {"island", C_FILLER, 0}, {"also", C_FILLER, 0},
    {"mal", C_FILLER, 0}, {"uns", C_FILLER, 0}, {"us", C_FILLER, 0}, {"me", C_FILLER, 0},
    {"my", C_FILLER, 0}, {"our", C_FILLER, 0}, {"unsere", C_FILLER, 0}, {"meine", C_FILLER, 0},
    {"jahr", C_FILLER, 0}, {"year", C_FILLER, 0}, {"dieses", C_FILLER, 0}, {"this", C_FILLER, 0},
    {"go", C_FILLER, 0}, {"gehen", C_FILLER, 0}, {"fahren", C_FILLER, 0}, {"irgendwann", C_FILLER, 0},
    {"sometime", C_FILLER, 0}, {"somewhere", C_FILLER, 0}, {"irgendwo", C_FILLER, 0},
    {"ca", C_FILLER, 0}, {"circa", C_FILLER, 0}, {"etwa", C_FILLER, 0}, {"about", C_FILLER, 0},
    {"around", C_FILLER, 0}, {"ungefähr", C_FILLER, 0}, {"insgesamt", C_FILLER, 0}, {"total", C_FILLER, 0},
    {"in total", C_FILLER, 0}, {"gesamt", C_FILLER, 0}, {"is", C_FILLER, 0}, {"are", C_FILLER, 0},
    {"sind", C_FILLER, 0}, {"ist", C_FILLER, 0}, {"es", C_FILLER, 0}, {"it", C_FILLER, 0},
    {"es soll", C_FILLER, 0}, {"sein", C_FILLER, 0}, {"be", C_FILLER, 0}, {"should", C_FILLER, 0},
    {"soll", C_FILLER, 0}, {"sollte", C_FILLER, 0}, {"kosten", C_FILLER, 0}, {"cost", C_FILLER, 0},
    {"costs", C_FILLER, 0}, {"price", C_FILLER, 0}, {"preis", C_FILLER, 0}, {"reisezeit", C_FILLER, 0},
    {"zeitraum", C_FILLER, 0}, {"termin", C_FILLER, 0}, {"dauer", C_FILLER, 0}, {"verpflegung", C_FILLER, 0},
    {"board", C_FILLER, 0}, {"meals", C_FILLER, 0}, {"category", C_FILLER, 0}, {"kategorie", C_FILLER, 0},
    {"so", C_FILLER, 0}, {"sowas", C_FILLER, 0}, {"something", C_FILLER, 0}, {"etwas", C_FILLER, 0},
    {"schön", C_FILLER, 0}, {"schönes", C_FILLER, 0}, {"nice", C_FILLER, 0}, {"nettes", C_FILLER, 0},
    {"hallo", C_FILLER, 0}, {"hi", C_FILLER, 0}, {"hello", C_FILLER, 0}, {"danke", C_FILLER, 0},
    {"thanks", C_FILLER, 0}, {"stay", C_FILLER, 0}, {"aufenthalt", C_FILLER, 0}, {"reisende", C_PERSON, 0},
    {"going", C_FILLER, 0}, {"traveling", C_FILLER, 0}, {"travelling", C_FILLER, 0}, {"fahrt", C_FILLER, 0},
    {"leaving", C_FILLER, 0}, {"back", C_FILLER, 0}, {"zurück", C_FILLER, 0}, {"rückflug", C_FILLER, 0},
    {"hin", C_FILLER, 0}, {"return", C_FILLER, 0}, {"hotelzimmer", C_FILLER, 0}, {"pauschalangebot", C_FILLER, 0},
};
const unsigned nlq_n_words = sizeof nlq_words / sizeof *nlq_words;

/* The 48 departure airports of the dump, with airport, city and area names
 * in German and English (each name is one more way to say the code). */
const nlq_place nlq_airports[] = {
    {"FMO", "münster|osnabrück|münster osnabrück|muenster osnabrueck|greven|fmo"},
    {"STR", "stuttgart|echterdingen"},
    {"HAM", "hamburg|fuhlsbüttel"},
    {"LEJ", "leipzig|halle|leipzig halle|schkeuditz"},
    {"NUE", "nürnberg|nuremberg|nuernberg|nurnberg|nbg"},
    {"CGN", "köln|cologne|bonn|köln bonn|cologne bonn|koeln|koln"},
    {"FRA", "frankfurt|frankfurt am main|frankfurt main|ffm|rhein main"},
    {"PAD", "paderborn|lippstadt|paderborn lippstadt|büren"},
    {"HAJ", "hannover|hanover|langenhagen"},
    {"BER", "berlin|schönefeld|berlin brandenburg|brandenburg"},
    {"FMM", "memmingen|allgäu|allgaeu|memmingen allgäu"},
    {"DUS", "düsseldorf|duesseldorf|dusseldorf|dusseldorf|ddorf"},
    {"SCN", "saarbrücken|saarbruecken|saarbrucken|ensheim"},
    {"DRS", "dresden"},
    {"BRE", "bremen"},
    {"DTM", "dortmund"},
    {"MUC", "münchen|munich|muenchen|munchen|franz josef strauss|erding|freising"},
    {"VIE", "wien|vienna|schwechat"},
    {"NRN", "weeze|niederrhein|düsseldorf weeze|dusseldorf weeze|kevelaer"},
    {"BSL", "basel|mulhouse|freiburg|basel mulhouse|euroairport|basel mulhouse freiburg"},
    {"HHN", "hahn|frankfurt hahn|hunsrück"},
    {"FKB", "karlsruhe|baden baden|karlsruhe baden baden|söllingen|baden airpark"},
    {"ZRH", "zürich|zurich|zuerich|kloten"},
    {"SZG", "salzburg"},
    {"LUX", "luxemburg|luxembourg|findel"},
    {"AMS", "amsterdam|schiphol"},
    {"PRG", "prag|prague|praha"},
    {"FDH", "friedrichshafen|bodensee|lake constance"},
    {"INN", "innsbruck|tirol|tyrol"},
    {"KSF", "kassel|calden|kassel calden"},
    {"LNZ", "linz"},
    {"EIN", "eindhoven"},
    {"SXB", "straßburg|strasbourg|strassburg|strasburg|entzheim"},
    {"BLL", "billund"},
    {"LBC", "lübeck|luebeck|lubeck|luebeck blankensee|blankensee"},
    {"BRU", "brüssel|brussels|bruxelles|brussel|zaventem"},
    {"GRZ", "graz"},
    {"GWT", "westerland|sylt"},
    {"CRL", "charleroi|brüssel charleroi|brussels charleroi|brussels south"},
    {"CSO", "magdeburg|cochstedt|magdeburg cochstedt"},
    {"WAW", "warschau|warsaw|warszawa"},
    {"GVA", "genf|geneva|genève|geneve"},
    {"ERF", "erfurt|weimar|erfurt weimar"},
    {"KRK", "krakau|krakow|kraków|cracow"},
    {"BRN", "bern|belp"},
    {"RLG", "rostock|laage|rostock laage"},
    {"KLU", "klagenfurt|kärnten|carinthia"},
    {"RTM", "rotterdam|den haag|the hague|rotterdam the hague"},
};
const unsigned nlq_n_airports = sizeof nlq_airports / sizeof *nlq_airports;

/* Regions: one word for several airports ("ab NRW"); the state key links
 * a region to its school holidays. */
const nlq_region nlq_regions[] = {
    {"Nordrhein-Westfalen", "nrw|nordrhein westfalen|north rhine westphalia|nordrhein westphalen", "DUS CGN DTM PAD FMO NRN", "nrw"},
    {"Bayern", "bayern|bavaria|bay", "MUC NUE FMM", "by"},
    {"Baden-Württemberg", "baden württemberg|bw|bawü|ba wü", "STR FKB FDH", "bw"},
    {"Hessen", "hessen|hesse", "FRA KSF", "he"},
    {"Niedersachsen", "niedersachsen|lower saxony", "HAJ", "ni"},
    {"Sachsen", "sachsen|saxony", "LEJ DRS", "sn"},
    {"Rheinland-Pfalz", "rheinland pfalz|rhineland palatinate|rlp", "HHN", "rp"},
    {"Schleswig-Holstein", "schleswig holstein", "LBC GWT", "sh"},
    {"Thüringen", "thüringen|thuringia", "ERF", "th"},
    {"Sachsen-Anhalt", "sachsen anhalt|saxony anhalt", "CSO", "st"},
    {"Mecklenburg-Vorpommern", "mecklenburg vorpommern|mecklenburg|mv", "RLG", "mv"},
    {"Saarland", "saarland", "SCN", "sl"},
    {"Ruhrgebiet", "ruhrgebiet|ruhrpott|ruhr area|ruhr", "DUS DTM", NULL},
    {"Rheinland", "rheinland|rhineland", "CGN DUS NRN", NULL},
    {"Norddeutschland", "norddeutschland|northern germany|north germany|norden", "HAM BRE HAJ LBC GWT RLG", NULL},
    {"Süddeutschland", "süddeutschland|southern germany|south germany|süden", "MUC STR NUE FMM FDH FKB", NULL},
    {"Schweiz", "schweiz|switzerland|swiss", "ZRH BSL GVA BRN", NULL},
    {"Österreich", "österreich|austria", "VIE SZG INN LNZ GRZ KLU", NULL},
    {"Niederlande", "niederlande|netherlands|holland|the netherlands", "AMS EIN RTM", NULL},
    {"Belgien", "belgien|belgium", "BRU CRL", NULL},
    {"Polen", "polen|poland", "WAW KRK", NULL},
};
const unsigned nlq_n_regions = sizeof nlq_regions / sizeof *nlq_regions;

/* Destination names beyond src/dest's table (which the parser reads
 * first): colloquial and local names travellers use. A code not in that
 * table is added to the parser's destinations. */
const nlq_place nlq_destinations[] = {
    {"PMI", "mallorca|majorca|malle|palma|palma de mallorca|balearen|balearic islands"},
    {"IBZ", "eivissa"},
    {"MAH", "mahon"},
    {"LPA", "las palmas"},
    {"ACE", "arrecife"},
    {"AGP", "málaga|andalusien|andalusia"},
    {"HER", "iraklion"},
    {"AYT", "türkische riviera|türkei|turkey"},
    {"HRG", "ägypten|egypt|rotes meer|red sea"},
    {"SSH", "scharm el scheich"},
    {"FNC", "funchal"},
    {"DJE", "tunesien|tunisia"},
    {"BCN", "barcelona|costa brava"},
};
const unsigned nlq_n_destinations = sizeof nlq_destinations / sizeof *nlq_destinations;

/* Holiday dates. Easter and Pentecost: the Saturday before to the Sunday
 * after; Christmas 23 Dec - 6 Jan; New Year 28 Dec - 2 Jan. Summer school
 * holidays per state from the KMK calendar (first to last day off). A
 * holiday in a year not listed here is "unrecognized", never guessed. */
const nlq_holiday nlq_holidays[] = {
    {H_EASTER, NULL, 2023, 4, 1, 4, 16},     {H_EASTER, NULL, 2024, 3, 23, 4, 7},
    {H_EASTER, NULL, 2025, 4, 12, 4, 27},    {H_EASTER, NULL, 2026, 3, 28, 4, 12},
    {H_PENTECOST, NULL, 2023, 5, 27, 6, 4},  {H_PENTECOST, NULL, 2024, 5, 18, 5, 26},
    {H_PENTECOST, NULL, 2025, 6, 7, 6, 15},  {H_PENTECOST, NULL, 2026, 5, 23, 5, 31},
    {H_CHRISTMAS, NULL, 2023, 12, 23, 1, 6}, {H_CHRISTMAS, NULL, 2024, 12, 23, 1, 6},
    {H_CHRISTMAS, NULL, 2025, 12, 23, 1, 6}, {H_NEWYEAR, NULL, 2023, 12, 28, 1, 2},
    {H_NEWYEAR, NULL, 2024, 12, 28, 1, 2},   {H_NEWYEAR, NULL, 2025, 12, 28, 1, 2},
    {H_SUMMER, "nrw", 2023, 6, 22, 8, 4},    {H_SUMMER, "nrw", 2024, 7, 8, 8, 20},
    {H_SUMMER, "by", 2023, 7, 31, 9, 11},    {H_SUMMER, "by", 2024, 7, 29, 9, 9},
    {H_SUMMER, "bw", 2023, 7, 27, 9, 9},     {H_SUMMER, "bw", 2024, 7, 25, 9, 7},
    {H_SUMMER, "ni", 2023, 7, 6, 8, 16},     {H_SUMMER, "ni", 2024, 6, 27, 8, 7},
    {H_SUMMER, "hb", 2023, 7, 6, 8, 16},     {H_SUMMER, "hb", 2024, 6, 27, 8, 7},
    {H_SUMMER, "he", 2023, 7, 24, 9, 1},     {H_SUMMER, "he", 2024, 7, 15, 8, 23},
    {H_SUMMER, "rp", 2023, 7, 24, 9, 1},     {H_SUMMER, "rp", 2024, 7, 15, 8, 23},
    {H_SUMMER, "sl", 2023, 7, 24, 9, 1},     {H_SUMMER, "sl", 2024, 7, 15, 8, 23},
    {H_SUMMER, "be", 2023, 7, 13, 8, 25},    {H_SUMMER, "be", 2024, 7, 18, 8, 30},
    {H_SUMMER, "hh", 2023, 7, 13, 8, 23},    {H_SUMMER, "hh", 2024, 7, 18, 8, 28},
    {H_SUMMER, "sn", 2023, 7, 10, 8, 18},    {H_SUMMER, "sn", 2024, 6, 20, 8, 2},
    {H_SUMMER, "th", 2023, 7, 10, 8, 19},    {H_SUMMER, "th", 2024, 6, 20, 7, 31},
    {H_SUMMER, "st", 2023, 7, 6, 8, 16},     {H_SUMMER, "st", 2024, 6, 24, 8, 2},
    {H_SUMMER, "sh", 2023, 7, 17, 8, 26},    {H_SUMMER, "sh", 2024, 7, 22, 8, 31},
    {H_SUMMER, "mv", 2023, 7, 17, 8, 26},    {H_SUMMER, "mv", 2024, 7, 22, 8, 31},
};
const unsigned nlq_n_holidays = sizeof nlq_holidays / sizeof *nlq_holidays;
