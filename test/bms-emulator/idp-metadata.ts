import { idpSigningCerts } from '../../bridge/admin/idp-metadata';

/** The IdP's first signing certificate (base64 DER), read from its SAML metadata. */
export async function signingCertFromDescriptor(descriptorUrl: string): Promise<string> {
  return (await idpSigningCerts(descriptorUrl))[0];
}
