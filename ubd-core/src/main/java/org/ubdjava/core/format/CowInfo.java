package org.ubdjava.core.format;

import java.util.HexFormat;
import java.util.Locale;

/**
 * What {@code ubd info} shows of a COW file: its header, layout, allocation and backing check.
 *
 * @param brokenV3        the header is the 64-bit-padded v3 variant the kernel recovers
 * @param byteOrder       how the header's fields are encoded: v1 little-endian, v2/v3 big-endian
 * @param magicByteOrder  how the magic (and so the version) was found
 * @param diskUsage       bytes the file system allocates for the file (holes excluded)
 * @param backingProblem  why the backing file does not match, or null
 * @param backingRealPath the header's backing path with symlinks resolved, null when it does not resolve
 * @param backingAllowed  under a restricting {@link BackingPolicy}: whether it allows that file; null without one
 * @param contentId       the backing file's content identity as the header keeps it (read from the header alone)
 */
public record CowInfo(String file, int version, boolean brokenV3, String byteOrder, String magicByteOrder, String backingFile,
                      long mtime, long size, int sectorSize, int alignment, int cowFormat, long bitmapOffset, long bitmapLength,
                      long dataOffset, long sectors, long allocatedSectors, long fileLength, long diskUsage, boolean backingOk,
                      String backingProblem, String backingRealPath, Boolean backingAllowed, ContentIdInfo contentId) {

    /**
     * What the header says of the backing file's content identity ({@link ContentIdLayout}).
     *
     * @param algorithm the digest's algorithm ("SHA-256"), null when no record could be decoded
     * @param digest    the digest in hex, null when no record could be decoded
     * @param state     none, valid, stale, damaged or no_room ({@link ContentIdState.Kind})
     * @param problem   why it is not valid (stale, damaged, no room); null otherwise
     */
    public record ContentIdInfo(String algorithm, String digest, String state, String problem) {
        public static ContentIdInfo of(ContentIdState s) {
            ContentId id = s.id();
            return new ContentIdInfo(id == null ? null : id.algorithm().displayName(),
                    id == null ? null : HexFormat.of().formatHex(id.digest()), s.kind().name().toLowerCase(Locale.ROOT),
                    s.problem());
        }

        /** A valid id, as a tool that just wrote it shows it. */
        public static ContentIdInfo of(ContentId id) {
            return of(new ContentIdState(ContentIdState.Kind.VALID, id, null));
        }
    }
}
