// Renders the pairing URL as a QR code for the console (terminal text), the flasher/setup page (SVG) or a file (PNG).
import QRCode from 'qrcode';

export type QrFormat = 'terminal' | 'svg' | 'png';

export async function renderPairingQr(payload: string, format: 'png'): Promise<Buffer>;
export async function renderPairingQr(payload: string, format: 'terminal' | 'svg'): Promise<string>;
export async function renderPairingQr(payload: string, format: QrFormat): Promise<string | Buffer>;
export async function renderPairingQr(payload: string, format: QrFormat): Promise<string | Buffer> {
  // Medium error correction: survives a smudged screen/sticker while keeping the code small enough to scan.
  const opts = { errorCorrectionLevel: 'M' as const, margin: 2 };
  switch (format) {
    case 'terminal':
      return QRCode.toString(payload, { ...opts, type: 'terminal', small: true });
    case 'svg':
      return QRCode.toString(payload, { ...opts, type: 'svg' });
    case 'png':
      return QRCode.toBuffer(payload, { ...opts, type: 'png', width: 384 });
    default:
      throw new Error(`QR format must be terminal, svg or png, not ${String(format)}`);
  }
}
