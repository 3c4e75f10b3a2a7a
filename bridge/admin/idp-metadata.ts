/**
 * The signing certificates (base64 DER) a SAML IdP publishes in its metadata: every <KeyDescriptor> that is for
 * signing (use="signing" or no use), so a realm rotating its keys keeps working. Keycloak publishes the broker realm's
 * at /realms/{realm}/protocol/saml/descriptor. Errors name the URL and what was wrong.
 */
export async function idpSigningCerts(descriptorUrl: string, timeoutMs = 10_000): Promise<string[]> {
  let res: Response;
  try {
    res = await fetch(descriptorUrl, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new Error(`cannot read the SAML IdP metadata at ${descriptorUrl}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
  }
  if (!res.ok) throw new Error(`cannot read the SAML IdP metadata at ${descriptorUrl}: HTTP ${res.status}`);
  const xml = await res.text();
  const descriptors = [...xml.matchAll(/<(?:\w+:)?KeyDescriptor\b([^>]*)>([\s\S]*?)<\/(?:\w+:)?KeyDescriptor>/g)];
  const certs = descriptors
    .filter(([, attributes]) => !/\buse="encryption"/.test(attributes))
    .map(([, , body]) => /<(?:\w+:)?X509Certificate>([^<]+)<\/(?:\w+:)?X509Certificate>/.exec(body)?.[1]?.replace(/\s+/g, ''))
    .filter((cert): cert is string => Boolean(cert));
  if (!certs.length) throw new Error(`the SAML IdP metadata at ${descriptorUrl} has no signing certificate`);
  return [...new Set(certs)];
}
