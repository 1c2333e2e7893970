/** The longest interface name the kernel takes (IFNAMSIZ less its terminating NUL). */
const IFNAME_MAX = 15;

/**
 * What is wrong with an interface name for `-i NAME` (or, as a prefix, `-i NAME+`), if anything.
 * Names are kept to the characters interface names are made of: anything else (a space, a quote,
 * a line end) would break the rule's text, or smuggle other rules into the payload.
 */
export function interfaceNameProblem(name: string, asPrefix: boolean): string | undefined {
  if (name === '') return 'must not be empty';
  if (!/^[A-Za-z0-9_.@-]+$/.test(name) || name === '.' || name === '..') return `${JSON.stringify(name)} is not an interface name (letters, digits and _ . @ - only)`;
  const max = asPrefix ? IFNAME_MAX - 1 : IFNAME_MAX;
  if (name.length > max) return `${JSON.stringify(name)} is longer than ${max} characters${asPrefix ? ' (the prefix and its + must fit the kernel\'s 15)' : ' (the kernel\'s limit)'}`;
  return undefined;
}
