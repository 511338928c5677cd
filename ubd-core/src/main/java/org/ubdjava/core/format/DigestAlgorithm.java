package org.ubdjava.core.format;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * How a backing file's content identity is computed; the id is what {@link ContentIdLayout} stores.
 * Only whole-file digests: a sampled scheme would accept a copy with one byte changed outside its
 * samples, and telling such a file from the original is the point of the identity.
 */
public enum DigestAlgorithm {
    /** SHA-256 of every byte of the file, holes as zeros. The JDK's is accelerated where the CPU has SHA instructions. */
    SHA_256(1, "SHA-256", 32);

    private final int id;
    private final String jdkName;
    private final int length;

    DigestAlgorithm(int id, String jdkName, int length) {
        this.id = id;
        this.jdkName = jdkName;
        this.length = length;
    }

    /** The number stored in the record. */
    public int id() {
        return id;
    }

    /** Bytes of a digest. */
    public int length() {
        return length;
    }

    /** The name users see, e.g. "SHA-256". */
    public String displayName() {
        return jdkName;
    }

    public MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(jdkName);
        } catch (NoSuchAlgorithmException e) {
            // every Java platform must provide SHA-256
            throw new IllegalStateException(jdkName + " is missing from this JDK", e);
        }
    }

    public static Optional<DigestAlgorithm> byId(int id) {
        for (DigestAlgorithm a : values()) {
            if (a.id == id) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
