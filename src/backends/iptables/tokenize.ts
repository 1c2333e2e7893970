const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Splits a rule line into arguments, honouring double quotes as iptables-save writes them. */
export function tokenize(line: string): string[] | undefined {
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === SPACE || c === TAB) { i++; continue; }
    if (c === QUOTE) {
      const close = line.indexOf('"', i + 1);
      const escape = line.indexOf('\\', i + 1);
      // Without a backslash inside, the argument is the text between the quotes as it stands.
      if (close >= 0 && (escape < 0 || escape > close)) {
        out.push(line.slice(i + 1, close));
        i = close + 1;
        continue;
      }
      let j = i + 1;
      let text = '';
      while (j < n && line.charCodeAt(j) !== QUOTE) {
        if (line.charCodeAt(j) === BACKSLASH && j + 1 < n) { text += line[j + 1]; j += 2; continue; }
        text += line[j++];
      }
      if (j >= n) return undefined;
      out.push(text);
      i = j + 1;
      continue;
    }
    let j = i + 1;
    while (j < n && line.charCodeAt(j) !== SPACE && line.charCodeAt(j) !== TAB) j++;
    out.push(line.slice(i, j));
    i = j;
  }
  return out;
}
