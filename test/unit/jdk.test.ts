import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findJdk, parseJavaSpecVersion } from '../stack/jdk';

let root: string;

/** A folder that looks like a JDK home whose bin/java reports the given specification version. */
function fakeJdk(name: string, spec: string): string {
  const home = join(root, name);
  mkdirSync(join(home, 'bin'), { recursive: true });
  const java = join(home, 'bin', 'java');
  writeFileSync(java, `#!/bin/sh\necho "    java.specification.version = ${spec}" >&2\n`);
  chmodSync(java, 0o755);
  return home;
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'jdk-test-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('parseJavaSpecVersion', () => {
  test.each([
    ['java.specification.version = 25', 25],
    ['java.specification.version = 17', 17],
    ['java.specification.version = 1.8', 8],
    ['nothing here', undefined],
  ])('%s -> %s', (text, major) => expect(parseJavaSpecVersion(text)).toBe(major));
});

describe('findJdk', () => {
  test('takes the newest JDK 21+ when JAVA_HOME is too old', () => {
    const old = fakeJdk('java-17', '17');
    fakeJdk('jdk-21', '21');
    const newest = fakeJdk('temurin-25', '25');
    expect(findJdk({ JAVA_HOME: old }, [root])).toEqual({ home: newest, major: 25 });
  });

  test('prefers JAVA_HOME when it is new enough', () => {
    const home = fakeJdk('jdk-21', '21');
    fakeJdk('temurin-25', '25');
    expect(findJdk({ JAVA_HOME: home }, [root])).toEqual({ home, major: 21 });
  });

  test('KEYCLOAK_JAVA_HOME that is too old is an error naming it, not a silent fallback', () => {
    const old = fakeJdk('java-17', '17');
    fakeJdk('temurin-25', '25');
    expect(() => findJdk({ KEYCLOAK_JAVA_HOME: old }, [root])).toThrow(`KEYCLOAK_JAVA_HOME=${old} is Java 17; Keycloak needs Java 21+`);
  });

  test('without any JDK 21+ the error lists what was seen and how to install one', () => {
    const old = fakeJdk('java-17', '17');
    expect(() => findJdk({}, [root])).toThrow(/No JDK 21 or newer found[\s\S]*java-17 \(Java 17\)[\s\S]*install a JDK 21 or newer/);
    expect(old).toContain('java-17');
  });
});
