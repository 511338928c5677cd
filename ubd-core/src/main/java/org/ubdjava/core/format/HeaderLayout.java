package org.ubdjava.core.format;

import java.nio.ByteBuffer;

/**
 * One on-disk COW header layout. Each implementation owns its byte offsets as named constants and
 * is the only code that knows them; everything else sees a decoded {@link CowHeader}.
 */
public sealed interface HeaderLayout permits HeaderV1, HeaderV2, HeaderV3, HeaderV3Broken {
    /** The version number stored in the header. */
    int version();

    /** Bytes of the header struct; a file shorter than this is a truncated header. */
    int headerSize();

    /** Offset and length of the NUL-terminated backing path field. */
    int pathOffset();

    int pathFieldLength();

    /** Longest path the field holds (one byte is kept for the terminating NUL). */
    default int maxPathLength() {
        return pathFieldLength() - 1;
    }

    /** Decodes a header whose magic and version were already recognised. */
    CowHeader decode(ByteBuffer header, java.nio.ByteOrder magicOrder);

    /**
     * Where the bitmap starts, how long it is and where sector data starts, exactly as the kernel
     * computes them for this version (v1/v2 keep their historic rounding, see {@link CowGeometry}).
     */
    CowGeometry geometry(CowHeader header);

    /** Encodes just the path field (zero-filled), for a backing-file switch in this layout. */
    default byte[] encodePathField(String absolutePath) {
        return CowPaths.encodeField(absolutePath, pathFieldLength());
    }
}
