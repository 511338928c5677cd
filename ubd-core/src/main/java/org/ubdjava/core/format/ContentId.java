package org.ubdjava.core.format;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A backing file's content identity as a COW file keeps it: the digest of its bytes, bound to the
 * size and mtime the header recorded when the digest was taken. The binding is what tells a stale
 * id from a valid one: a tool that rewrites the header for another backing file without knowing of
 * the id (uml_mkcow -f over an existing file, say) leaves a record whose size or mtime no longer
 * matches the header's.
 *
 * @param algorithm how {@link #digest} was computed
 * @param size      the backing file's size in bytes
 * @param mtime     the header's stored mtime (32 bits, as {@link BackingFile#storedMtime()})
 * @param digest    {@link DigestAlgorithm#length()} bytes
 */
public record ContentId(DigestAlgorithm algorithm, long size, long mtime, byte[] digest) {
    public ContentId {
        if (digest.length != algorithm.length()) {
            throw new IllegalArgumentException(algorithm.displayName() + " digest of " + digest.length + " bytes");
        }
        digest = digest.clone();
    }

    @Override
    public byte[] digest() {
        return digest.clone();
    }

    /** The same id bound to another mtime: what a header switch to a copy of the same content stores. */
    public ContentId withMtime(long storedMtime) {
        return new ContentId(algorithm, size, storedMtime, digest);
    }

    /** Whether another id names the same content (algorithm, size and digest; the mtime is not content). */
    public boolean sameContent(ContentId other) {
        return algorithm == other.algorithm && size == other.size && Arrays.equals(digest, other.digest);
    }

    /** "SHA-256:0123abcd...". */
    public String text() {
        return algorithm.displayName() + ":" + HexFormat.of().formatHex(digest);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ContentId c && sameContent(c) && mtime == c.mtime;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(digest) * 31 + Long.hashCode(size);
    }

    @Override
    public String toString() {
        return text() + " (" + size + " bytes, mtime " + mtime + ")";
    }
}
