package io.cloaca.engine.tenancy;

import java.security.SecureRandom;

/** Generated tenant passwords: 32 characters from A–Z a–z 0–9 (about 190 bits), from {@link SecureRandom}. */
final class Passwords {

    static final int LENGTH = 32;
    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Passwords() {
    }

    static String generate() {
        char[] password = new char[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            password[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(password);
    }
}
