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
