/** The XML Signature and digest algorithms the admin sign-in and the BMS portal accept: SHA-256 only. */
export const SHA256_SIGNATURE = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const SHA256_DIGEST = 'http://www.w3.org/2001/04/xmlenc#sha256';

/** A base64 SAMLResponse form field as XML text; undefined when there is none. */
export function samlResponseXml(body: unknown): string | undefined {
  const encoded = (body as Record<string, unknown> | undefined)?.SAMLResponse;
  return typeof encoded === 'string' && encoded ? Buffer.from(encoded, 'base64').toString('utf8') : undefined;
}

/** What is wrong with the response's algorithms (anything but RSA-SHA256 and SHA-256, or no signature at all); undefined when fine. */
export function weakAlgorithms(xml: string): string | undefined {
  const algorithms = [...xml.matchAll(/(SignatureMethod|DigestMethod)\s+Algorithm="([^"]+)"/g)].map((m) => m[2]);
  const weak = algorithms.filter((a) => a !== SHA256_SIGNATURE && a !== SHA256_DIGEST);
  if (!algorithms.length) return 'the response is not signed';
  return weak.length ? `the response must be signed with RSA-SHA256; it used ${weak.join(', ')}` : undefined;
}

/** The Destination of the SAML Response element (its first element), or undefined. node-saml does not check it. */
export function responseDestination(xml: string): string | undefined {
  const root = /<(?:\w+:)?Response\b([^>]*)>/.exec(xml)?.[1];
  return root ? /\bDestination="([^"]*)"/.exec(root)?.[1] : undefined;
}
