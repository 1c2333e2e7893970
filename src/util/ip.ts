/** An IP address as bytes: 4 for IPv4, 16 for IPv6. */
export interface Ip {
  readonly family: 4 | 6;
  readonly bytes: readonly number[];
}

/** A network: address already masked to `prefix` bits. */
export interface Cidr {
  readonly ip: Ip;
  readonly prefix: number;
}

export type Family = 'IPv4' | 'IPv6';

export function familyOf(ip: Ip): Family {
  return ip.family === 4 ? 'IPv4' : 'IPv6';
}

/**
 * Four dot-separated decimal octets of one to three digits each. Leading zeros are read as decimal,
 * as Kubernetes' lenient parser does. Scans the characters once: every endpoint address comes here.
 */
function parseIPv4Parts(text: string): number[] | undefined {
  const out: number[] = [];
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    // The end of the text closes the last octet as a dot would.
    const c = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || value > 255 || out.length === 4) return undefined;
      out.push(value);
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39 && digits < 3) {
      value = value * 10 + (c - 0x30);
      digits++;
    } else {
      return undefined;
    }
  }
  return out.length === 4 ? out : undefined;
}

/**
 * Whether `text` is an IPv4 address exactly as formatIp prints it (no leading zeros): then it is
 * its own canonical text. Allocates nothing, unlike parseIp, for the hundred thousand endpoint
 * addresses that are nearly always written this way.
 */
export function isCanonicalIPv4(text: string): boolean {
  let octets = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || value > 255 || ++octets > 4) return false;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39 && digits < 3 && !(digits === 1 && value === 0)) {
      value = value * 10 + (c - 0x30);
      digits++;
    } else {
      return false;
    }
  }
  return octets === 4;
}

function parseIPv6(text: string): number[] | undefined {
  if (text.length < 2 || /[^0-9a-fA-F:.]/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const items = s.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseIPv4Parts(item);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return undefined;
        out.push(parseInt(item, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  let words: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    words = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    words = head;
  }
  if (words.length !== 8) return undefined;
  const bytes: number[] = [];
  for (const w of words) bytes.push(w >> 8, w & 0xff);
  return bytes;
}

/**
 * Parses an IP address the lenient way Kubernetes does (IPv4 octets with leading zeros are
 * decimal). An IPv4-mapped IPv6 address counts as IPv4, as in Go. Returns undefined when invalid.
 */
export function parseIp(text: string): Ip | undefined {
  if (text.includes(':')) {
    const bytes = parseIPv6(text);
    if (!bytes) return undefined;
    const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
    return mapped ? { family: 4, bytes: bytes.slice(12) } : { family: 6, bytes };
  }
  const v4 = parseIPv4Parts(text);
  return v4 ? { family: 4, bytes: v4 } : undefined;
}

/** Canonical text of an address: dotted IPv4, RFC 5952 IPv6 (as Go's net.IP.String prints). */
export function formatIp(ip: Ip): string {
  if (ip.family === 4) return ip.bytes.join('.');
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((ip.bytes[i] << 8) | ip.bytes[i + 1]);
  // Longest run of two or more zero words is compressed; the first wins a tie.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (bestLen < 2) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

/** Parses `ip/prefix` leniently and masks it to the network address. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^[0-9]{1,3}$/.test(prefixText)) return undefined;
  // A mapped IPv4 address written in IPv6 form keeps IPv6 prefix semantics in Go; rare enough to refuse.
  if (ip.family === 4 && text.slice(0, slash).includes(':')) return undefined;
  const prefix = Number(prefixText);
  const max = ip.bytes.length * 8;
  if (prefix > max) return undefined;
  return { ip: maskIp(ip, prefix), prefix };
}

function maskIp(ip: Ip, prefix: number): Ip {
  const bytes = ip.bytes.map((b, i) => {
    const bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - bitsHere)) & 0xff);
  });
  return { family: ip.family, bytes };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.ip)}/${c.prefix}`;
}

/** True when `ip` lies inside `cidr` (different families never match). */
export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  if (cidr.ip.family !== ip.family) return false;
  const masked = maskIp(ip, cidr.prefix);
  return masked.bytes.every((b, i) => b === cidr.ip.bytes[i]);
}

/**
 * Why the API server refuses `ip` as an endpoint or external IP (ValidateNonSpecialIP), if it
 * does: unspecified, loopback, link-local unicast or link-local multicast. (parseIp already reads
 * an IPv4-mapped IPv6 address as its IPv4 address, as Go does.)
 */
export function specialIpProblem(ip: Ip): string | undefined {
  const b = ip.bytes;
  const v4 = ip.family === 4;
  if (b.every((x) => x === 0)) return `may not be unspecified (${v4 ? '0.0.0.0' : '::'})`;
  if (v4 ? b[0] === 127 : isLoopback(ip)) return 'may not be in the loopback range (127.0.0.0/8, ::1/128)';
  if (v4 ? b[0] === 169 && b[1] === 254 : b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return 'may not be in the link-local range (169.254.0.0/16, fe80::/10)';
  if (v4 ? b[0] === 224 && b[1] === 0 && b[2] === 0 : b[0] === 0xff && (b[1] & 0x0f) === 0x02) return 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)';
  return undefined;
}

/**
 * Whether a canonical IPv4 text (see isCanonicalIPv4) might be one specialIpProblem names: a test
 * on the first characters, so the fast readers pass such an address to the checked ones.
 */
export function mayBeSpecialIPv4(text: string): boolean {
  const c = text.charCodeAt(0);
  if (c !== 0x30 && c !== 0x31 && c !== 0x32) return false;
  return text === '0.0.0.0' || text.startsWith('127.') || text.startsWith('169.254.') || text.startsWith('224.0.0.');
}

export function isLoopback(ip: Ip): boolean {
  if (ip.family === 4) return ip.bytes[0] === 127;
  return ip.bytes.slice(0, 15).every((b) => b === 0) && ip.bytes[15] === 1;
}

/**
 * `ip:port`, or `[ip]:port` for IPv6, as Go's net.JoinHostPort writes it. A flat string, not
 * the rope `+` builds: the result is a key, a sort key and rule text many times over.
 */
export function joinHostPort(ip: string, port: number): string {
  const v6 = ip.includes(':');
  // Spelt in a buffer and read out once: one string, where a join builds an array first.
  if (ip.length > 64 || !Number.isInteger(port) || port < 0 || port > 65535) return joinedHostPort(ip, port, v6);
  let at = 0;
  if (v6) HOST_PORT[at++] = 0x5b;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c > 0x7f) return joinedHostPort(ip, port, v6);
    HOST_PORT[at++] = c;
  }
  if (v6) HOST_PORT[at++] = 0x5d;
  HOST_PORT[at++] = 0x3a;
  const digits = port < 10 ? 1 : port < 100 ? 2 : port < 1000 ? 3 : port < 10000 ? 4 : 5;
  for (let d = digits - 1, n = port; d >= 0; d--, n = Math.floor(n / 10)) HOST_PORT[at + d] = 0x30 + (n % 10);
  return (HOST_PORT as unknown as { latin1Slice(s: number, e: number): string }).latin1Slice(0, at + digits);
}

/** joinHostPort's text for what its buffer does not take (a long or non-ASCII address, an odd port). */
function joinedHostPort(ip: string, port: number, v6: boolean): string {
  return v6 ? ['[', ip, ']:', port].join('') : [ip, port].join(':');
}

/** Where joinHostPort spells its text: `[`, an address of up to 64 characters, `]:` and a port. */
const HOST_PORT = Buffer.alloc(80);

/** The canonical text of address `text` when it is of `family`, else undefined (a canonical IPv4 text is taken as it is). */
export function canonicalIpOfFamily(text: string, family: Family): string | undefined {
  if (family === 'IPv4' && isCanonicalIPv4(text)) return text;
  const ip = parseIp(text);
  return ip && familyOf(ip) === family ? formatIp(ip) : undefined;
}
