/** Parses `WWW-Authenticate` challenges (RFC 7235): `Bearer realm="…",service="…",scope="…"`, `Basic realm="…"`. */
export interface Challenge {
  /** Lower-cased: "bearer", "basic". */
  scheme: string;
  params: Record<string, string>;
}

export function parseWwwAuthenticate(header: string | readonly string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const headers = typeof header === "string" ? [header] : header;
  const out: Challenge[] = [];
  for (const h of headers) parseOne(h, out);
  return out;
}

function parseOne(s: string, out: Challenge[]): void {
  let i = 0;
  const n = s.length;
  const skipWs = (): void => {
    while (i < n && (s[i] === " " || s[i] === "\t")) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < n && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(s[i] ?? "")) i++;
    return s.slice(start, i);
  };
  let cur: Challenge | undefined;
  while (i < n) {
    skipWs();
    if (s[i] === ",") {
      i++;
      continue;
    }
    const word = token();
    if (word === "") {
      i++;
      continue;
    }
    skipWs();
    if (s[i] === "=" && cur !== undefined) {
      i++;
      skipWs();
      let value = "";
      if (s[i] === '"') {
        i++;
        while (i < n && s[i] !== '"') {
          if (s[i] === "\\" && i + 1 < n) i++;
          value += s[i];
          i++;
        }
        i++;
      } else {
        const start = i;
        while (i < n && s[i] !== "," && s[i] !== " ") i++;
        value = s.slice(start, i);
      }
      cur.params[word.toLowerCase()] = value;
    } else {
      cur = { scheme: word.toLowerCase(), params: {} };
      out.push(cur);
    }
  }
}
