package org.ubdjava.core.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The "broken" v3 layout of 64-bit binaries built before December 2005: the struct was not
 * packed, so 4 bytes of padding follow mtime and everything after moves by 4 (4136 bytes in all).
 * It is recognised by a zero int where a correct v3 header has the first byte of an absolute path.
 */
public final class HeaderV3Broken extends HeaderLayout {
    public static final HeaderV3Broken INSTANCE = new HeaderV3Broken();

    public static final int VERSION = 3;
    public static final int OFF_MAGIC = 0;
    public static final int OFF_VERSION = 4;
    public static final int OFF_MTIME = 8;
    /** Padding written from uninitialised heap: ignored. */
    public static final int OFF_PADDING = 12;
    public static final int OFF_SIZE = 16;
    public static final int OFF_SECTOR_SIZE = 24;
    public static final int OFF_ALIGNMENT = 28;
    public static final int OFF_COW_FORMAT = 32;
    public static final int OFF_BACKING_FILE = 36;
    public static final int BACKING_FILE_LENGTH = 4096;
    public static final int SIZE = 4136;

    /** The detection test: the int at this offset is zero only in the broken layout. */
    public static final int OFF_DETECT = HeaderV3.OFF_BACKING_FILE;

    private HeaderV3Broken() {
        super(VERSION, SIZE, OFF_BACKING_FILE, BACKING_FILE_LENGTH);
    }

    @Override
    public CowHeader decode(ByteBuffer header, ByteOrder magicOrder) {
        ByteBuffer be = header.duplicate().order(ByteOrder.BIG_ENDIAN);
        String path = decodePath(header);
        return new CowHeader(this, magicOrder, path, Integer.toUnsignedLong(be.getInt(OFF_MTIME)),
                be.getLong(OFF_SIZE), be.getInt(OFF_SECTOR_SIZE), be.getInt(OFF_ALIGNMENT), be.getInt(OFF_COW_FORMAT));
    }

    @Override
    public CowGeometry geometry(CowHeader h) {
        return CowGeometry.v3(h.size(), h.sectorSize(), h.alignment(), CowGeometry.roundUp(SIZE, h.alignment()));
    }

    @Override
    public String toString() {
        return "v3 (broken 64-bit layout)";
    }
}
