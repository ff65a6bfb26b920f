import { randomInt } from "../util/crypto.js";
import { InvalidArgumentError } from "../errdefs/index.js";

const ADJECTIVES = [
  "brave", "calm", "clever", "cool", "crisp", "dazzling", "eager", "elated", "fervent", "fond", "gentle", "happy",
  "hopeful", "jolly", "keen", "kind", "lucid", "merry", "modest", "nifty", "noble", "plucky", "quiet", "quirky",
  "relaxed", "serene", "sharp", "silly", "steady", "sunny", "tender", "trusting", "upbeat", "vibrant", "wizardly", "zealous",
  "amazing", "bold", "busy", "charming", "cranky", "dreamy", "ecstatic", "festive", "focused", "friendly", "funny", "gallant",
  "goofy", "hardcore", "heuristic", "inspiring", "jovial", "laughing", "loving", "magical", "mystifying", "naughty", "nervous", "nostalgic",
  "optimistic", "peaceful", "pedantic", "pensive", "practical", "priceless", "reverent", "romantic", "sad", "stoic", "strange", "suspicious",
  "thirsty", "vigilant", "vigorous", "wonderful", "xenodochial", "youthful", "zen", "admiring", "agitated", "angry", "awesome", "blissful",
  "boring", "compassionate", "competent", "condescending", "confident", "determined", "distracted", "elastic", "elegant", "epic",
  "exciting", "frosty", "gifted", "great", "hungry", "intelligent", "interesting", "lucid", "musing", "objective", "pedantic", "recursing",
  "relaxed", "sleepy", "stupefied", "sweet", "tender", "unruffled",
];

const SURNAMES = [
  "lovelace", "hopper", "turing", "knuth", "ritchie", "thompson", "torvalds", "dijkstra", "hamilton", "curie", "noether", "euler",
  "gauss", "riemann", "hilbert", "fermat", "pascal", "newton", "kepler", "galileo", "copernicus", "darwin", "mendel", "pasteur",
  "tesla", "faraday", "maxwell", "bohr", "planck", "heisenberg", "schrodinger", "dirac", "feynman", "fermi", "einstein", "hawking",
  "sagan", "hypatia", "archimedes", "euclid", "pythagoras", "ptolemy", "khayyam", "alkhwarizmi", "ramanujan", "bose", "raman", "sarabhai",
  "kalam", "bhabha", "chandrasekhar", "meitner", "franklin", "hodgkin", "mcclintock", "goodall", "carson", "johnson", "jackson", "vaughan",
  "ride", "jemison", "shannon", "nyquist", "wiener", "neumann", "babbage", "boole", "church", "kleene", "godel", "cantor",
  "wozniak", "kay", "engelbart", "cerf", "kahn", "berners", "postel", "mccarthy", "minsky", "backus", "wirth", "hoare",
  "lamport", "liskov", "goldwasser", "micali", "rivest", "shamir", "adleman", "diffie", "hellman", "merkle", "hellman", "kilby",
  "noyce", "moore", "shockley", "bardeen", "brattain", "yalow", "elion", "tharp", "wu", "yonath", "lalande", "lehmann",
  "leakey", "mirzakhani", "montalcini", "morse", "murdock", "nash", "nobel", "payne", "perlman", "pike", "poincare", "proskuriakova",
];

/** A docker-style generated name "adjective_surname"; retry>0 appends a digit like docker. */
export function generateName(retry = 0): string {
  const a = ADJECTIVES[randomInt(ADJECTIVES.length)] ?? "happy";
  const s = SURNAMES[randomInt(SURNAMES.length)] ?? "turing";
  return retry > 0 ? `${a}_${s}${randomInt(10)}` : `${a}_${s}`;
}

const NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Validates a user-given name and returns it in docker's stored form "/name". */
export function normalizeName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw new InvalidArgumentError(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return name.startsWith("/") ? name : `/${name}`;
}

/** docker's 409 message for a name in use. */
export function nameInUseMessage(name: string, id: string): string {
  return `Conflict. The container name "${name}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`;
}
