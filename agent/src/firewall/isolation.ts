// Apps must not reach each other's containers, nor the owner's LAN unless their manifest asks (permissions.lan). Each app has its own network, and netavark's `isolate` option should
// keep those bridges apart, but netavark 1.4 (Debian bookworm) deletes its FORWARD → isolation jump whenever ANY
// isolated network is torn down, silently re-opening every bridge until the next setup (reproduced with plain
// `podman run`/`rm`; agent/test/integration/api-sandbox.test.ts catches it). So the agent keeps its own rules too:
// one nftables table per engine scope whose forward-hook chain drops traffic from each app's subnet to any other
// app's subnet, and from apps without the LAN permission to private, link-local and CGNAT addresses (the home LAN,
// a cloud VPC, the cloud metadata service; the internet stays reachable). nftables, not iptables: a drop in any base chain is final, whatever netavark's chains accept, and
// nothing netavark does touches this table. The ruleset is a pure function of the observed networks; the edge
// replaces the table in one `nft -f` transaction only when the ruleset changes.
import { execFile } from 'node:child_process';
import type { Logger } from 'pino';

export interface AppNetwork {
  /** The app network's subnets (CIDR; IPv6 ones are ignored: app networks are IPv4). */
  subnets: string[];
  /** permissions.lan from the manifest. */
  lan: boolean;
}

/** Where a LAN is: RFC 1918, link-local (incl. 169.254.169.254, cloud metadata), and CGNAT space. */
export const LAN_RANGES = ['10.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'];

/** Pure: the whole table for these app networks. Deterministic for equal input. */
export function isolationRuleset(table: string, networks: Record<string, AppNetwork>): string {
  const apps = Object.keys(networks).sort();
  const v4 = (app: string) => (networks[app]?.subnets ?? []).filter(isIpv4Cidr).sort();
  const rules: string[] = [];
  for (const app of apps) {
    const own = v4(app);
    if (own.length === 0) continue;
    const others = apps.filter((a) => a !== app).flatMap(v4).sort();
    // `ct state new`: what an app may not do is open connections; replies within flows others opened pass.
    if (others.length > 0) rules.push(`    ip saddr { ${own.join(', ')} } ip daddr { ${others.join(', ')} } ct state new drop comment "app ${app}: other apps"`);
    // Its own subnet stays reachable (services of one app talk to each other, bridged or not).
    if (!networks[app]?.lan) rules.push(`    ip saddr { ${own.join(', ')} } ip daddr != { ${own.join(', ')} } ip daddr { ${LAN_RANGES.join(', ')} } ct state new drop comment "app ${app}: no LAN"`);
  }
  // "table X; delete table X; table X {…}": creates it if missing, then replaces it, in one transaction.
  return [
    `table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    '  chain forward {',
    '    type filter hook forward priority filter - 10; policy accept;',
    ...rules,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** nft identifiers: letters, digits, underscore. One table per engine scope ("device" on a device). */
export function isolationTableName(scope: string): string {
  return `hearth_${scope.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

function isIpv4Cidr(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(s);
}

export type NftRunner = (script: string) => Promise<void>;

const runNft: NftRunner = (script) =>
  new Promise((resolve, reject) => {
    const child = execFile('nft', ['-f', '-'], { timeout: 10_000 }, (err, _out, stderr) => (err ? reject(new Error(`nft: ${stderr.trim() || err.message}`)) : resolve()));
    child.stdin?.end(script);
  });

/** The edge: applies a ruleset when it differs from the last one applied. Failures are logged, then retried next pass. */
export class AppIsolation {
  private applied: string | undefined;
  private warned = false;
  readonly table: string;

  constructor(scope: string, private readonly logger: Logger, private readonly run: NftRunner = runNft) {
    this.table = isolationTableName(scope);
  }

  async sync(networks: Record<string, AppNetwork>): Promise<void> {
    const script = isolationRuleset(this.table, networks);
    if (script === this.applied) return;
    try {
      await this.run(script);
      this.applied = script;
      this.warned = false;
      this.logger.debug({ table: this.table, apps: Object.keys(networks).length }, 'app isolation rules applied');
    } catch (err) {
      if (!this.warned) this.logger.error({ err: (err as Error).message, table: this.table }, 'cannot apply app isolation rules; apps may reach each other');
      this.warned = true;
    }
  }
}
