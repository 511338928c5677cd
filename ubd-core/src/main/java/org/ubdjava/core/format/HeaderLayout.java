package org.ubdjava.core.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One on-disk COW header layout. Each subclass owns its byte offsets as named constants and is
 * the only code that knows them; everything else sees a decoded {@link CowHeader}.
 */
public abstract sealed class HeaderLayout permits HeaderV1, HeaderV2, HeaderV3 {
    private final int version;
    private final int headerSize;
    private final int pathOffset;
    private final int pathFieldLength;

    HeaderLayout(int version, int headerSize, int pathOffset, int pathFieldLength) {
        this.version = version;
        this.headerSize = headerSize;
        this.pathOffset = pathOffset;
        this.pathFieldLength = pathFieldLength;
    }

    /** The version number stored in the header. */
    public final int version() {
        return version;
    }

    /** Bytes of the header struct; a file shorter than this is a truncated header. */
    public final int headerSize() {
        return headerSize;
    }

    /** Offset of the NUL-terminated backing path field. */
    public final int pathOffset() {
        return pathOffset;
    }

    public final int pathFieldLength() {
        return pathFieldLength;
    }

    /** Longest path the field holds (one byte is kept for the terminating NUL). */
    public final int maxPathLength() {
        return pathFieldLength - 1;
    }

    /** Decodes a header whose magic and version were already recognised. */
    public abstract CowHeader decode(ByteBuffer header, ByteOrder magicOrder);

    /**
     * Where the bitmap starts, how long it is and where sector data starts, exactly as the kernel
     * computes them for this version (v1/v2 keep their historic rounding, see {@link CowGeometry}).
     */
    public abstract CowGeometry geometry(CowHeader header);

    /** Encodes just the path field (zero-filled), for a backing-file switch in this layout. */
    public final byte[] encodePathField(String absolutePath) {
        return CowPaths.encodeField(absolutePath, pathFieldLength);
    }

    final String decodePath(ByteBuffer header) {
        return CowPaths.decodeField(header, pathOffset, pathFieldLength, "V" + version);
    }
}
