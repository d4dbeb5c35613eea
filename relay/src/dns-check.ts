// A custom domain is served only after its owner proves control in DNS: `_hearth.<domain>` TXT containing
// `hearth-device=<device id>`. The resolver is configurable so tests can use pebble-challtestsrv's DNS server.
import { Resolver } from 'node:dns/promises';

export function createDomainChecker(resolverAddress?: string, timeoutMs = 2000): (domain: string, deviceId: string) => Promise<string | null> {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  if (resolverAddress) resolver.setServers([resolverAddress]);
  return async (domain, deviceId) => {
    let records: string[][];
    try {
      records = await resolver.resolveTxt(`_hearth.${domain}`);
    } catch (err) {
      return `no TXT record at _hearth.${domain} (${(err as NodeJS.ErrnoException).code ?? 'lookup failed'})`;
    }
    const expected = `hearth-device=${deviceId}`;
    return records.some((chunks) => chunks.join('') === expected) ? null : `_hearth.${domain} TXT does not contain ${expected}`;
  };
}
