package org.ubdjava.core.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Version 3, the layout every tool writes today: 4128 bytes, packed, big-endian, the path last.
 * The bitmap starts at the header size rounded up to the alignment (8192 for 4096).
 */
public final class HeaderV3 extends HeaderLayout {
    public static final HeaderV3 INSTANCE = new HeaderV3();

    public static final int VERSION = 3;
    public static final int OFF_MAGIC = 0;
    public static final int OFF_VERSION = 4;
    public static final int OFF_MTIME = 8;
    public static final int OFF_SIZE = 12;
    public static final int OFF_SECTOR_SIZE = 20;
    public static final int OFF_ALIGNMENT = 24;
    public static final int OFF_COW_FORMAT = 28;
    public static final int OFF_BACKING_FILE = 32;
    public static final int BACKING_FILE_LENGTH = 4096;
    public static final int SIZE = 4128;

    /** What creators write: 512-byte sectors, page-aligned data, the plain-bitmap format. */
    public static final int DEFAULT_SECTOR_SIZE = 512;
    public static final int DEFAULT_ALIGNMENT = 4096;
    public static final int COW_BITMAP = 0;

    private HeaderV3() {
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

    /**
     * The header bytes a creator writes. Unlike the kernel and uml_mkcow, which leave heap garbage
     * after the path, every unused byte is zero.
     */
    public static byte[] encode(String absoluteBackingPath, long mtime, long size, int sectorSize, int alignment) {
        ByteBuffer be = ByteBuffer.allocate(SIZE).order(ByteOrder.BIG_ENDIAN);
        be.putInt(OFF_MAGIC, CowMagic.MAGIC);
        be.putInt(OFF_VERSION, VERSION);
        be.putInt(OFF_MTIME, (int) mtime);
        be.putLong(OFF_SIZE, size);
        be.putInt(OFF_SECTOR_SIZE, sectorSize);
        be.putInt(OFF_ALIGNMENT, alignment);
        be.putInt(OFF_COW_FORMAT, COW_BITMAP);
        be.put(OFF_BACKING_FILE, CowPaths.encodeField(absoluteBackingPath, BACKING_FILE_LENGTH));
        return be.array();
    }

    @Override
    public String toString() {
        return "v3";
    }
}
