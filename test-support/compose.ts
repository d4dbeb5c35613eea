// Compose files for tests: a busybox httpd web app whose page, version and health check a test controls.
export interface WebAppOptions {
  id: string;
  version?: string;
  /** Text the app serves at / (written into its volume at start, so a rollback test can check the data). */
  page?: string;
  /** Path the health check fetches; a missing one makes the health check fail. */
  healthPath?: string;
  /** Shell run before httpd starts, e.g. `sleep 5` for a slow start or `exit 3` for a crash loop. */
  before?: string;
  image?: string;
  startPeriod?: string;
  retries?: number;
  /** Overwrite the page on every start (an update that changes data) instead of only when missing. */
  overwrite?: boolean;
}

export function webApp(o: WebAppOptions): string {
  const page = (o.page ?? `hello from ${o.id}`).replace(/'/g, '');
  // The new page is renamed into place: the old version keeps serving from the same volume until the switch, and
  // busybox httpd sends a file's length before its bytes, so a page rewritten in place under it (truncated, then
  // written) made it send fewer bytes than announced: a request cut off mid-response in three of some twenty
  // updates under the benchmark's load (and 8 of 400 requests against busybox httpd alone; none with the rename).
  const write = o.overwrite
    ? `echo '${page}' > /www/.index.new && mv /www/.index.new /www/index.html`
    : `[ -f /www/index.html ] || echo '${page}' > /www/index.html`;
  const before = o.before ? `${o.before}; ` : '';
  return `name: ${o.id}
x-hearth:
  id: ${o.id}
  name: Test ${o.id}
  version: ${o.version ?? '1.0.0'}
  routes:
    ${o.id}: web:80
services:
  web:
    image: ${o.image ?? 'localhost/hearth/busybox:latest'}
    command: ["sh", "-c", "${before}${write}; exec httpd -f -p 80 -h /www"]
    volumes:
      - www:/www
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1${o.healthPath ?? '/'}"]
      interval: 1s
      timeout: 2s
      retries: ${o.retries ?? 3}
      start_period: ${o.startPeriod ?? '5s'}
      start_interval: 200ms
    restart: unless-stopped
    deploy:
      resources:
        limits:
          memory: 32m
          pids: 64
volumes:
  www: {}
`;
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}
