package org.ubdjava.core.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Version 2: 4120 bytes, packed, big-endian. Same geometry rules as v1. */
public final class HeaderV2 extends HeaderLayout {
    public static final HeaderV2 INSTANCE = new HeaderV2();

    public static final int VERSION = 2;
    public static final int OFF_MAGIC = 0;
    public static final int OFF_VERSION = 4;
    public static final int OFF_BACKING_FILE = 8;
    public static final int BACKING_FILE_LENGTH = 4096;
    public static final int OFF_MTIME = 4104;
    public static final int OFF_SIZE = 4108;
    public static final int OFF_SECTOR_SIZE = 4116;
    public static final int SIZE = 4120;

    private HeaderV2() {
        super(VERSION, SIZE, OFF_BACKING_FILE, BACKING_FILE_LENGTH);
    }

    @Override
    public CowHeader decode(ByteBuffer header, ByteOrder magicOrder) {
        ByteBuffer be = header.duplicate().order(ByteOrder.BIG_ENDIAN);
        String path = decodePath(header);
        int sectorSize = be.getInt(OFF_SECTOR_SIZE);
        return new CowHeader(this, magicOrder, path, Integer.toUnsignedLong(be.getInt(OFF_MTIME)),
                be.getLong(OFF_SIZE), sectorSize, sectorSize, 0);
    }

    @Override
    void putMtimeAndSize(ByteBuffer header, long storedMtime, long size) {
        ByteBuffer be = header.duplicate().order(ByteOrder.BIG_ENDIAN);
        be.putInt(OFF_MTIME, (int) storedMtime);
        be.putLong(OFF_SIZE, size);
    }

    @Override
    public CowGeometry geometry(CowHeader h) {
        return CowGeometry.v1v2(h.size(), h.sectorSize(), SIZE);
    }

    @Override
    public String toString() {
        return "v2";
    }
}
