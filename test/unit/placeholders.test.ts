import { resolvePlaceholders } from '../stack/placeholders';

describe('resolvePlaceholders', () => {
  test('replaces environment-style names and uses the default after a colon when the value is unset', () => {
    const text = '{"url":"${PASSLY_SSO_URL}","idp":"${BROKER_DEFAULT_IDP:passly}"}';
    expect(JSON.parse(resolvePlaceholders(text, { PASSLY_SSO_URL: 'https://passly.example/sso' }))).toEqual({ url: 'https://passly.example/sso', idp: 'passly' });
  });

  test('as in Keycloak, a variable set to the empty string wins over the default', () => {
    expect(resolvePlaceholders('"${A_B:x}"', { A_B: '' })).toBe('""');
    expect(resolvePlaceholders('"${A_B:x}"', {})).toBe('"x"');
  });

  test("leaves Keycloak's own ${...} message keys alone", () => {
    const text = '"displayName":"${firstName}","other":"${profile.attribute.upn}"';
    expect(resolvePlaceholders(text, {})).toBe(text);
  });

  test('keeps the JSON valid when a value holds quotes, backslashes or newlines', () => {
    const resolved = resolvePlaceholders('{"v":"${WEIRD}"}', { WEIRD: 'a"b\\c\nd' });
    expect(JSON.parse(resolved)).toEqual({ v: 'a"b\\c\nd' });
  });

  test('names every missing placeholder in one error and says what to do', () => {
    expect(() => resolvePlaceholders('"${ONE}" "${TWO}" "${ONE}"', {}, 'keycloak-realm.json')).toThrow(
      'keycloak-realm.json needs ${ONE}, ${TWO}: set these environment variables',
    );
  });
});
