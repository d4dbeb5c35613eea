// Pure: where "Open" goes. The device reports its apps' URLs without a port (https on 443 through the relay). When
// this page itself was reached on an explicit port (the LAN or a test ingress), the apps sit behind that same
// ingress, so their links keep the page's scheme and port; links elsewhere are left alone.
export function openableUrl(appUrl: string, page: { protocol: string; hostname: string; port: string }): string {
  let u: URL;
  try {
    u = new URL(appUrl);
  } catch {
    return appUrl;
  }
  const sameDevice = u.hostname === page.hostname || u.hostname.endsWith(`.${page.hostname}`);
  if (!sameDevice || !page.port || u.port) return u.toString();
  u.protocol = page.protocol;
  u.port = page.port;
  return u.toString();
}
