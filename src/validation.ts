// Input checks of the editors. Each returns why a value is invalid, or undefined when it is valid,
// and mirrors a check of the backend (pkg/plugin/settings.go and pkg/plugin/query.go).

// Scheme and authority of a URL: everything after "//" up to the path, query or fragment.
const URL_AUTHORITY = /^(https?):\/\/([^/?#]*)/i;

/** Checks an RPC URL as the backend does: an http:// or https:// URL with a host. */
export function rpcUrlProblem(value: string): string | undefined {
  const url = value.trim();
  if (url === '') {
    return undefined;
  }
  const match = URL_AUTHORITY.exec(url);
  if (match === null) {
    return 'RPC URL must start with http:// or https://.';
  }
  // The host is the authority without any user@ part, and may be only a port, as Go's url.Parse reads it.
  const authority = match[2];
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  if (host === '') {
    return `RPC URL "${url}" has no host: write it as ${match[1]}://host:port/path, e.g. http://127.0.0.1:8000.`;
  }
  return undefined;
}

/**
 * Checks that text is a whole number from 1 to max, because the backend reads these settings
 * and limits as Go ints.
 */
export function wholeNumberProblem(text: string, max = Number.MAX_SAFE_INTEGER): string | undefined {
  const trimmed = text.trim();
  const range = max === Number.MAX_SAFE_INTEGER ? 'of 1 or more' : `from 1 to ${max}`;
  if (!/^[-+]?\d+$/.test(trimmed)) {
    return `"${trimmed}" is not a whole number: enter a number ${range}, without decimals or units.`;
  }
  const value = Number(trimmed);
  if (value < 1 || value > max) {
    return `${trimmed} is out of range: enter a number ${range}.`;
  }
  return undefined;
}
