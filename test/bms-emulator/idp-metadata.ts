/** The signing certificate in a SAML IdP metadata document (Keycloak: /realms/<realm>/protocol/saml/descriptor). */
export async function signingCertFromDescriptor(descriptorUrl: string): Promise<string> {
  const res = await fetch(descriptorUrl, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`cannot read the IdP metadata at ${descriptorUrl}: HTTP ${res.status}`);
  const xml = await res.text();
  const cert = /<(?:\w+:)?X509Certificate>([^<]+)<\/(?:\w+:)?X509Certificate>/.exec(xml)?.[1]?.replace(/\s+/g, '');
  if (!cert) throw new Error(`the IdP metadata at ${descriptorUrl} has no X509Certificate`);
  return cert;
}
