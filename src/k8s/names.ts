/** Kubernetes name rules (apimachinery validation), returning a reason or undefined when valid. */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function dns1123Label(v: string): string | undefined {
  if (v.length > 63) return 'must be no more than 63 characters';
  if (!DNS1123_LABEL.test(v)) return "must consist of lower case alphanumeric characters or '-', and start and end with an alphanumeric character (an RFC 1123 label)";
  return undefined;
}

export function dns1035Label(v: string): string | undefined {
  if (v.length > 63) return 'must be no more than 63 characters';
  if (!DNS1035_LABEL.test(v)) return "must consist of lower case alphanumeric characters or '-', start with a letter and end with an alphanumeric character (an RFC 1035 label)";
  return undefined;
}

export function dns1123Subdomain(v: string): string | undefined {
  if (v.length > 253) return 'must be no more than 253 characters';
  if (!DNS1123_SUBDOMAIN.test(v)) return "must consist of lower case alphanumeric characters, '-' or '.', and start and end with an alphanumeric character (an RFC 1123 subdomain)";
  return undefined;
}

/** Label values: at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric. */
export function labelValue(v: string): string | undefined {
  if (v.length > 63) return 'must be no more than 63 characters';
  if (v !== '' && !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(v)) return "must consist of alphanumeric characters, '-', '_' or '.', and start and end with an alphanumeric character";
  return undefined;
}

/** A named port (IANA_SVC_NAME): at most 15 of [a-z0-9-], a letter among them, hyphens only inside and never two in a row. */
export function portName(v: string): string | undefined {
  if (v.length > 15) return 'must be no more than 15 characters';
  if (!/^[-a-z0-9]+$/.test(v)) return 'must contain only lower case alphanumeric characters (a-z, 0-9) and hyphens (-)';
  if (v.includes('--')) return 'must not contain consecutive hyphens';
  if (!/[a-z]/.test(v)) return 'must contain at least one letter (a-z)';
  if (v.startsWith('-') || v.endsWith('-')) return 'must not begin or end with a hyphen';
  return undefined;
}
