package org.ubdjava.core.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Version 3, both its variants. {@link #INSTANCE} is the layout every tool writes today: 4128
 * bytes, packed, big-endian, the path last. {@link #BROKEN} is the layout of 64-bit binaries built
 * before December 2005: the struct was not packed, so 4 bytes of padding follow mtime and every
 * later field moves by 4 (4136 bytes in all, with the struct's tail padding). The kernel tells them apart by the int at
 * {@link #OFF_DETECT}: the first byte of an absolute path in the packed layout, never zero; the
 * zero cow_format in the broken one. The bitmap starts at the header size rounded up to the
 * alignment (8192 for 4096, in both).
 */
public final class HeaderV3 extends HeaderLayout {
    public static final HeaderV3 INSTANCE = new HeaderV3(false);
    public static final HeaderV3 BROKEN = new HeaderV3(true);

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

    /** The broken layout: padding written from uninitialised heap after mtime (ignored), then the packed fields moved by it. */
    public static final int BROKEN_OFF_PADDING = 12;
    public static final int BROKEN_PADDING = 4;
    /** The fields moved by the padding, then 4 bytes of tail padding that round the struct up to 8. */
    public static final int BROKEN_SIZE = 4136;
    /** The detection test: the int at this offset is zero only in the broken layout. */
    public static final int OFF_DETECT = OFF_BACKING_FILE;

    /** What creators write: 512-byte sectors, page-aligned data, the plain-bitmap format. */
    public static final int DEFAULT_SECTOR_SIZE = 512;
    public static final int DEFAULT_ALIGNMENT = 4096;
    public static final int COW_BITMAP = 0;

    /** Bytes every field after mtime is moved by: 0, or {@link #BROKEN_PADDING}. */
    private final int shift;

    private HeaderV3(boolean broken) {
        super(VERSION, broken ? BROKEN_SIZE : SIZE, OFF_BACKING_FILE + (broken ? BROKEN_PADDING : 0), BACKING_FILE_LENGTH);
        this.shift = broken ? BROKEN_PADDING : 0;
    }

    /**
     * The kernel's choice between the variants for a v3 header of which {@code n} bytes were read:
     * the zero test runs before the length check, so a short header may still be the broken one.
     */
    static HeaderV3 of(ByteBuffer header, int n) {
        return n >= OFF_DETECT + 4 && header.getInt(OFF_DETECT) == 0 ? BROKEN : INSTANCE;
    }

    public boolean broken() {
        return shift != 0;
    }

    @Override
    public CowHeader decode(ByteBuffer header, ByteOrder magicOrder) {
        ByteBuffer be = header.duplicate().order(ByteOrder.BIG_ENDIAN);
        String path = decodePath(header);
        return new CowHeader(this, magicOrder, path, Integer.toUnsignedLong(be.getInt(OFF_MTIME)),
                be.getLong(OFF_SIZE + shift), be.getInt(OFF_SECTOR_SIZE + shift), be.getInt(OFF_ALIGNMENT + shift),
                be.getInt(OFF_COW_FORMAT + shift));
    }

    @Override
    void putMtimeAndSize(ByteBuffer header, long storedMtime, long size) {
        ByteBuffer be = header.duplicate().order(ByteOrder.BIG_ENDIAN);
        be.putInt(OFF_MTIME, (int) storedMtime);
        be.putLong(OFF_SIZE + shift, size);
    }

    @Override
    public CowGeometry geometry(CowHeader h) {
        return CowGeometry.v3(h.size(), h.sectorSize(), h.alignment(), CowGeometry.roundUp(headerSize(), h.alignment()));
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
        return broken() ? "v3 (broken 64-bit layout)" : "v3";
    }
}
