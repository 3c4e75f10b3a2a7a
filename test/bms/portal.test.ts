import { createPortal } from '../bms-emulator/portal';
import { createBmsEmulator } from '../bms-emulator/server';
import { standInSigningCert } from '../stack/passly-stand-in';

const emulator = createBmsEmulator();
const portal = createPortal({ baseUrl: 'http://127.0.0.1:1', idpSsoUrl: 'http://127.0.0.1:2/realms/broker/protocol/saml', idpCert: standInSigningCert(), store: emulator.store, seed: emulator.seed });
let base: string;
let server: import('node:http').Server;

beforeAll(async () => {
  server = await new Promise((resolve) => {
    const s = portal.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const post = (xml: string): Promise<Response> =>
  fetch(`${base}/saml/connect.aspx`, { method: 'POST', body: new URLSearchParams({ SAMLResponse: Buffer.from(xml).toString('base64') }) });

describe('the portal as a SAML service provider', () => {
  test('sends the browser to the broker realm with a SAML request', async () => {
    const res = await fetch(`${base}/saml/login`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:2\/realms\/broker\/protocol\/saml\?SAMLRequest=/);
  });

  test('refuses a response signed with SHA-1 before reading it', async () => {
    const res = await post('<samlp:Response><ds:Signature><ds:SignedInfo><ds:SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/></ds:SignedInfo></ds:Signature></samlp:Response>');
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('must be signed with RSA-SHA256; it used http://www.w3.org/2000/09/xmldsig#rsa-sha1');
  });

  test('refuses an unsigned response', async () => {
    const res = await post('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/></samlp:Response>');
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('the response is not signed');
  });

  test('refuses a response whose SHA-256 signature does not verify against the broker certificate', async () => {
    const forged = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#_1"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:Response>`;
    const res = await post(forged);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('The SAML response was not accepted');
  });

  test('publishes its SP metadata with the BMS ACS path', async () => {
    const xml = await (await fetch(`${base}/saml/metadata`)).text();
    expect(xml).toContain('Location="http://127.0.0.1:1/saml/connect.aspx"');
    expect(xml).toContain('entityID="http://127.0.0.1:1"');
  });
});
