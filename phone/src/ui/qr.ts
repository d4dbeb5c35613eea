// A QR code as an <img> of locally generated SVG (qrcode's browser build; error correction M like the device's).
import QRCode from 'qrcode';
import { h } from './dom.js';

export async function qrImage(text: string, alt: string): Promise<HTMLImageElement> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return h('img', { class: 'qr', src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`, alt, width: 240, height: 240 });
}
