package org.ubdjava.core.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One on-disk COW header layout. Each subclass owns its byte offsets as named constants and is
 * the only code that knows them; everything else sees a decoded {@link CowHeader}.
 */
public abstract sealed class HeaderLayout permits HeaderV1, HeaderV2, HeaderV3 {
    /**
     * Magic and version come first in every layout; a switch of the backing file rewrites the
     * header from here to its end and leaves these as they are (so the magic's byte order too).
     */
    public static final int SWITCH_START = 8;

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

    /**
     * Puts a backing file's path, mtime and size into {@code header}, the file's bytes from offset
     * 0 (at least {@link #headerSize()} of them), in this layout and its byte order; every other
     * byte stays as it was. What a switch then writes is {@code [SWITCH_START, headerSize())}: one
     * write, in the file's own version (unlike the kernel's switch, which writes v3 over v1 and v2,
     * bug B6).
     *
     * @param storedMtime the 32-bit value to store ({@link BackingFile#storedMtime()})
     */
    public final void putBacking(ByteBuffer header, String absolutePath, long storedMtime, long size) {
        header.put(pathOffset, encodePathField(absolutePath));
        putMtimeAndSize(header, storedMtime, size);
    }

    /** Stores the two numbers of {@link #putBacking} at this layout's offsets. */
    abstract void putMtimeAndSize(ByteBuffer header, long storedMtime, long size);

    /** Encodes just the path field (zero-filled), for a backing-file switch in this layout. */
    public final byte[] encodePathField(String absolutePath) {
        return CowPaths.encodeField(absolutePath, pathFieldLength);
    }

    final String decodePath(ByteBuffer header) {
        return CowPaths.decodeField(header, pathOffset, pathFieldLength, "V" + version);
    }
}
