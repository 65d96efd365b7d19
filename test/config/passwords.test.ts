import { describe, expect, it } from 'vitest';
import { hashPassword, parsePhc, verifyPassword } from '../../src/config/passwords.js';

describe('passwords', () => {
  it('hashes with scrypt ln=17,r=8,p=1 by default and verifies', async () => {
    const phc = await hashPassword('correct horse');
    expect(phc).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await verifyPassword(phc, 'correct horse')).toBe(true);
    expect(await verifyPassword(phc, 'correct horsE')).toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same', 4), hashPassword('same', 4)]);
    expect(a).not.toBe(b);
    expect(await verifyPassword(a, 'same')).toBe(true);
    expect(await verifyPassword(b, 'same')).toBe(true);
  });

  it('reads the cost from the PHC string and handles unicode consistently', async () => {
    const phc = await hashPassword('pässwörd', 5);
    expect(phc.startsWith('$scrypt$ln=5,')).toBe(true);
    expect(await verifyPassword(phc, 'pa\u0308sswo\u0308rd')).toBe(true); // NFD input, NFC hash
    expect(await verifyPassword(phc, '')).toBe(false);
  });

  it.each([
    ['', /PHC/],
    ['hunter2', /PHC/],
    ['$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA', /PHC/],
    ['$scrypt$ln=17,r=8$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA', /need ln, r and p/],
    ['$scrypt$ln=99,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA', /out of range/],
    ['$scrypt$ln=17,r=8,p=1$!!!$aGFzaGhhc2hoYXNoaGFzaA', /base64/],
    ['$scrypt$ln=17,r=8,p=1$c2FsdA$aGFzaA', /too short/],
  ])('rejects malformed PHC %s', async (phc, problem) => {
    const parsed = parsePhc(phc);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
    expect(await verifyPassword(phc, 'anything')).toBe(false);
  });
});
