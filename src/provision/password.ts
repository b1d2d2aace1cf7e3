// The database master password: random from the OS CSPRNG, without the characters RDS refuses
// (/ " @ and space) and without anything a URL, a shell or a .env file would need quoted.
import { randomInt } from 'node:crypto';

export const PASSWORD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~';
export const PASSWORD_LENGTH = 40;

/** RDS allows 8-41 (MySQL) / 8-128 (Postgres) printable characters; 40 of 66 is ~240 bits. */
export function generatePassword(
  length = PASSWORD_LENGTH,
  random: (max: number) => number = randomInt,
): string {
  let out = '';
  // randomInt is uniform (no modulo bias); every character is drawn independently.
  for (let i = 0; i < length; i++) out += PASSWORD_ALPHABET.charAt(random(PASSWORD_ALPHABET.length));
  return out;
}
