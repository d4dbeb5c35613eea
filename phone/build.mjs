// Builds the phone app into phone/dist (or the folder given): bundles src/main.ts with esbuild, copies public/,
// draws the PNG icons, and stamps the service worker with a hash of the shell so phones pick up new builds.
// The new folder is assembled next to the old one and swapped in, so the device never serves a half-built app.
import { build } from 'esbuild';
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import { deflateSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));

export async function buildPhone({ outDir = join(here, 'dist'), minify = true } = {}) {
  const out = resolve(outDir);
  const tmp = `${out}.tmp-${process.pid}-${Date.now()}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    cpSync(join(here, 'public'), tmp, { recursive: true });
    await build({
      entryPoints: [join(here, 'src/main.ts')],
      outfile: join(tmp, 'app.js'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: ['chrome100', 'safari15', 'firefox100'],
      minify,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'warning',
    });
    mkdirSync(join(tmp, 'icons'), { recursive: true });
    for (const size of [192, 512]) writeFileSync(join(tmp, 'icons', `icon-${size}.png`), iconPng(size));
    const hash = createHash('sha256');
    for (const f of ['index.html', 'app.js', 'app.css', 'manifest.webmanifest']) hash.update(readFileSync(join(tmp, f)));
    const sw = join(tmp, 'sw.js');
    writeFileSync(sw, readFileSync(sw, 'utf8').replaceAll('__BUILD__', hash.digest('hex').slice(0, 12)));
    const old = `${out}.old-${process.pid}-${Date.now()}`;
    if (existsSync(out)) renameSync(out, old);
    renameSync(tmp, out);
    rmSync(old, { recursive: true, force: true });
    return out;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

// The icon of icons/icon.svg, rasterised by hand (no image library): a full-bleed square so it also works as a
// maskable icon, a house, and a flame.
function iconPng(size) {
  const s = size / 64;
  const px = Buffer.alloc(size * (size * 3 + 1));
  const house = [[12, 32], [32, 14], [52, 32], [52, 52], [12, 52]];
  for (let y = 0; y < size; y++) {
    px[y * (size * 3 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const u = (x + 0.5) / s;
      const v = (y + 0.5) / s;
      let c = [0x7a, 0x2a, 0x10];
      if (inPolygon(u, v, house)) c = [0xfb, 0xf7, 0xf4];
      const fx = (u - 32) / 7.5;
      const fy = (v - 40.5) / 7.5;
      if (fx * fx + fy * fy <= 1 || (v >= 27 && v <= 40 && Math.abs(u - 32) <= (v - 27) * 0.55)) c = [0xd9, 0x53, 0x1e];
      px.set(c, y * (size * 3 + 1) + 1 + x * 3);
    }
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(px)), chunk('IEND', Buffer.alloc(0))]);
}

function inPolygon(x, y, pts) {
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [xi, yi] = pts[i];
    const [xj, yj] = pts[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildPhone({ outDir: process.argv[2] });
  process.stdout.write(`phone app built in ${out}\n`);
}
