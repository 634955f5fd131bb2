package org.vertxotp.delivery;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;

/** One 2048-bit RSA key pair for the tests that sign, made once per test JVM (making one takes a while). */
final class TestKeys {

  static final KeyPair RSA = generate();

  private TestKeys() {
  }

  private static KeyPair generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
