// serviceContainer: the sandbox every app container gets, and what the config hash does and does not cover.
import t from 'tap';
import { serviceContainer } from '../../src/engine/container-spec.js';
import { LABEL } from '../../src/engine/labels.js';
import { webApp } from '../../../test-support/manifests.js';
import { paths } from './planner-fixtures.js';

const app = webApp({
  id: 'media',
  version: '3.1.0',
  volumes: ['library'],
  permissions: { capabilities: ['NET_RAW', 'CHOWN'], devices: ['/dev/dri/renderD128'] },
  services: {
    web: {
      capAdd: ['NET_RAW', 'CHOWN'],
      devices: ['/dev/dri/renderD128'],
      limits: { memoryBytes: 64 * 1024 * 1024, pids: 99, cpus: 1.5 },
      environment: { ZED: 'last', ALPHA: 'first' },
      user: '1000:1000',
      expose: [8443, 80],
      volumes: [
        { kind: 'volume', source: 'library', target: '/library', readOnly: false },
        { kind: 'bind', source: 'config/app.ini', target: '/etc/app.ini', readOnly: true },
      ],
    },
  },
  routes: [{ subdomain: 'media', service: 'web', port: 8096 }],
});

t.test('least privilege: drop ALL, add back only what is declared, no-new-privileges, never privileged', async (t) => {
  const hc = serviceContainer(app, 'web', paths).body.HostConfig;
  t.same(hc.CapDrop, ['ALL']);
  t.same(hc.CapAdd, ['CHOWN', 'NET_RAW']);
  t.same(hc.SecurityOpt, ['no-new-privileges']);
  t.equal(hc.Privileged, false);
  const plain = serviceContainer(webApp({ id: 'plain' }), 'web', paths).body.HostConfig;
  t.same(plain.CapAdd, [], 'nothing declared, nothing added');
  t.same(plain.Devices, []);
});

t.test('limits: Memory = MemorySwap (no swap beyond the limit), PidsLimit, NanoCpus', async (t) => {
  const hc = serviceContainer(app, 'web', paths).body.HostConfig;
  t.equal(hc.Memory, 64 * 1024 * 1024);
  t.equal(hc.MemorySwap, 64 * 1024 * 1024);
  t.equal(hc.PidsLimit, 99);
  t.equal(hc.NanoCpus, 1_500_000_000);
  t.equal(serviceContainer(webApp(), 'web', paths).body.HostConfig.NanoCpus, 0, 'no cpus limit → 0 (unlimited)');
});

t.test('network: the app\'s own network, aliased by service name; no published ports', async (t) => {
  const body = serviceContainer(app, 'web', paths).body;
  t.equal(body.HostConfig.NetworkMode, 'hearth_media');
  t.same(body.NetworkingConfig, { EndpointsConfig: { hearth_media: { Aliases: ['web'] } } });
  t.same(body.HostConfig.PortBindings, {});
  t.equal(body.HostConfig.PublishAllPorts, false);
  t.same(body.ExposedPorts, { '80/tcp': {}, '8096/tcp': {}, '8443/tcp': {} }, 'expose plus route ports, sorted');
  const worker = webApp({ id: 'w', services: { worker: {} } });
  t.equal(serviceContainer(worker, 'worker', paths).body.ExposedPorts, undefined, 'no ports, no ExposedPorts');
});

t.test('binds only under the app\'s data folder; read-only honoured', async (t) => {
  const binds = serviceContainer(app, 'web', paths).body.HostConfig.Binds as string[];
  const root = paths.dataRoot('media') + '/';
  t.same(binds, [`${root}volumes/library:/library`, `${root}files/config/app.ini:/etc/app.ini:ro`]);
  for (const b of binds) t.ok(b.startsWith(root), `${b} is under ${root}`);
});

t.test('engine restart policy off (the agent restarts), init on, devices mapped as declared', async (t) => {
  const hc = serviceContainer(app, 'web', paths).body.HostConfig;
  t.same(hc.RestartPolicy, { Name: 'no' });
  t.equal(hc.Init, true);
  t.same(hc.Devices, [{ PathOnHost: '/dev/dri/renderD128', PathInContainer: '/dev/dri/renderD128', CgroupPermissions: 'rwm' }]);
  t.same(hc.Sysctls, { 'net.ipv4.ip_unprivileged_port_start': '0' });
});

t.test('body: image, env sorted, user, deterministic name, ownership labels', async (t) => {
  const { hash, body } = serviceContainer(app, 'web', paths);
  t.match(hash, /^[0-9a-f]{16}$/);
  t.equal(body.Image, app.services.web?.image);
  t.same(body.Env, ['ALPHA=first', 'ZED=last']);
  t.equal(body.User, '1000:1000');
  t.equal(body.name, `hearth_media_web_${hash.slice(0, 12)}`);
  t.same(body.Labels, { [LABEL.managed]: 'true', [LABEL.app]: 'media', [LABEL.service]: 'web', [LABEL.version]: '3.1.0', [LABEL.hash]: hash });
  t.same(serviceContainer(app, 'web', paths), { hash, body }, 'same input, same output');
});

t.test('the hash covers what changes the container, and nothing else', async (t) => {
  const h = (m: ReturnType<typeof webApp>) => serviceContainer(m, 'web', paths).hash;
  const base = webApp({ id: 'x' });
  t.equal(h(webApp({ id: 'x', version: '9.9.9', name: 'Renamed' })), h(base), 'version and display name are labels only');
  t.not(h(webApp({ id: 'x', image: 'other:1' })), h(base), 'image');
  t.not(h(webApp({ id: 'x', services: { web: { environment: { A: '1' } } } })), h(base), 'environment');
  t.not(h(webApp({ id: 'x', services: { web: { limits: { memoryBytes: 1, pids: 256 } } } })), h(base), 'memory');
  t.not(h(webApp({ id: 'x', services: { web: { command: ['sh'] } } })), h(base), 'command');
  t.not(h(webApp({ id: 'y' })), h(base), 'another app (another network)');
  t.not(h(webApp({ id: 'x', routes: [{ subdomain: 'x', service: 'web', port: 81 }] })), h(base), 'route port exposes another port');
});

t.test('an unknown service is an error naming app and service', async (t) => {
  t.throws(() => serviceContainer(app, 'db', paths), /app media has no service db/);
});
