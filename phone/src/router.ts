// Pure: a hash route -> which screen, with its query. Unpaired phones only see Pair.
export type ScreenName = 'pair' | 'device' | 'store' | 'apps' | 'clients' | 'updates';

const SCREENS: ScreenName[] = ['pair', 'device', 'store', 'apps', 'clients', 'updates'];

export function resolveRoute(hash: string, paired: boolean): { screen: ScreenName; query: URLSearchParams; route: string } {
  const raw = hash.replace(/^#/, '') || '/';
  const [path = '/', q = ''] = raw.split('?', 2) as [string?, string?];
  const name = path.replace(/^\/+/, '').split('/')[0] as ScreenName;
  const query = new URLSearchParams(q);
  if (!paired || name === 'pair') return { screen: 'pair', query, route: '/pair' };
  const screen = SCREENS.includes(name) ? name : 'device';
  return { screen, query, route: `/${screen}` };
}
