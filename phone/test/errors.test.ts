// Error wording: every failure becomes a sentence for the owner; no status codes, stacks or protocol words.
import t from 'tap';
import { ApiError } from '../../agent/src/client/client.js';
import { PairingFailed } from '../../agent/src/client-auth/pair-client.js';
import { describeError, OwnerMessage, UNREACHABLE } from '../src/lib/errors.js';

const technical = /\b(HTTP|4\d\d|5\d\d|ECONN|TypeError|stack|undefined|null|HEARTH_)\b/;

t.test('admin errors by status', async (t) => {
  const cases: Array<[number, RegExp]> = [
    [401, /doesn't recognise this phone/],
    [403, /removed from your Hearth/],
    [404, /no longer on your Hearth/],
    [409, /busy with this app/],
    [413, /too large/],
    [429, /Wait a moment/],
    [500, /went wrong on your Hearth/],
    [502, /starting up or busy/],
    [503, /starting up or busy/],
  ];
  for (const [status, want] of cases) {
    const text = describeError(new ApiError(status, 'x', 'internal detail: at foo (bar.js:1:2)'));
    t.match(text, want, `${status}`);
    t.notMatch(text, technical, `${status} has no technical words`);
    t.notMatch(text, /bar\.js/, `${status} does not leak the device's message`);
  }
  t.match(describeError(new ApiError(0, 'aborted', 'closed')), /dropped before it finished/);
});

t.test('a 4xx keeps the device sentence, first line only and bounded', async (t) => {
  t.equal(describeError(new ApiError(400, 'bad-request', 'say whether to keep the app data\nsecond line')), "Your Hearth couldn't do that: say whether to keep the app data");
  const long = describeError(new ApiError(400, 'bad-request', 'x'.repeat(500)));
  t.ok(long.length < 260, 'long messages are cut');
  t.match(describeError(new ApiError(422, 'e', '')), /refused the request/);
});

t.test('network failures (fetch rejects with a TypeError) say the device is unreachable', async (t) => {
  t.equal(describeError(new TypeError('Failed to fetch')), UNREACHABLE);
  t.equal(describeError(new TypeError('NetworkError when attempting to fetch resource.')), UNREACHABLE);
  t.equal(describeError(new TypeError('Load failed')), UNREACHABLE);
  t.equal(describeError(new TypeError("Cannot read properties of undefined (reading 'x')")), 'Something unexpected went wrong. Please try again.');
});

t.test('pairing errors', async (t) => {
  t.match(describeError(new PairingFailed('/v1/pair/finish: 401 wrong code', 401), 'pair'), /code isn't right/);
  t.match(describeError(new PairingFailed('/v1/pair/start: 403 closed', 403), 'pair'), /already has an owner/);
  t.match(describeError(new PairingFailed('/v1/pair/start: 429 locked', 429), 'pair'), /Wait 15 minutes/);
  t.match(describeError(new PairingFailed('bad', 400), 'pair'), /couldn't be used/);
  t.match(describeError(new PairingFailed('gone', 404), 'pair'), /expired/);
  t.match(describeError(new PairingFailed('boom', 500), 'pair'), /went wrong/);
  t.match(describeError(new PairingFailed('pairing failed: the code does not match (device confirmation refused)'), 'pair'), /code isn't right/);
  t.match(describeError(new PairingFailed('this is not the device in the QR code (expected a, got b)'), 'pair'), /different Hearth/);
  t.match(describeError(new PairingFailed('device identity signature is invalid'), 'pair'), /could not prove it is your Hearth/);
  t.equal(describeError(new TypeError('Failed to fetch'), 'pair'), UNREACHABLE);
});

t.test('owner messages pass through; storage and unknown errors get a sentence', async (t) => {
  t.equal(describeError(new OwnerMessage('Type the 8 digits.')), 'Type the 8 digits.');
  t.match(describeError(Object.assign(new Error('x'), { name: 'QuotaExceededError' })), /Private browsing/);
  t.match(describeError(Object.assign(new Error('x'), { name: 'InvalidStateError' })), /couldn't keep the phone's key/);
  t.equal(describeError('a string'), 'Something unexpected went wrong. Please try again.');
  t.equal(describeError(undefined), 'Something unexpected went wrong. Please try again.');
  t.equal(describeError(new Error('ENOENT at /x/y.js:3')), 'Something unexpected went wrong. Please try again.');
});
