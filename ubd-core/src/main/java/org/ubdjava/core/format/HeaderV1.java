package org.ubdjava.core.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Version 1: 280 bytes, packed, fields in the writing host's byte order. We read them
 * little-endian, as written on x86 (the only hosts v1 files are known from). The bitmap follows the
 * header directly; data is aligned to the sector size.
 */
public final class HeaderV1 extends HeaderLayout {
    public static final HeaderV1 INSTANCE = new HeaderV1();

    public static final int VERSION = 1;
    public static final int OFF_MAGIC = 0;
    public static final int OFF_VERSION = 4;
    public static final int OFF_BACKING_FILE = 8;
    public static final int BACKING_FILE_LENGTH = 256;
    public static final int OFF_MTIME = 264;
    public static final int OFF_SIZE = 268;
    public static final int OFF_SECTOR_SIZE = 276;
    public static final int SIZE = 280;

    private HeaderV1() {
        super(VERSION, SIZE, OFF_BACKING_FILE, BACKING_FILE_LENGTH);
    }

    @Override
    public CowHeader decode(ByteBuffer header, ByteOrder magicOrder) {
        ByteBuffer le = header.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        String path = decodePath(header);
        int sectorSize = le.getInt(OFF_SECTOR_SIZE);
        return new CowHeader(this, magicOrder, path, Integer.toUnsignedLong(le.getInt(OFF_MTIME)),
                le.getLong(OFF_SIZE), sectorSize, sectorSize, 0);
    }

    @Override
    void putMtimeAndSize(ByteBuffer header, long storedMtime, long size) {
        ByteBuffer le = header.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        le.putInt(OFF_MTIME, (int) storedMtime);
        le.putLong(OFF_SIZE, size);
    }

    @Override
    public CowGeometry geometry(CowHeader h) {
        return CowGeometry.v1v2(h.size(), h.sectorSize(), SIZE);
    }

    @Override
    public String toString() {
        return "v1";
    }
}
