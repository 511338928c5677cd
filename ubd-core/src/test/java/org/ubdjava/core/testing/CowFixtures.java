package org.ubdjava.core.testing;

import static org.ubdjava.core.Sectors.SECTOR;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.ubdjava.core.format.CowGeometry;
import org.ubdjava.core.format.CowHeaderReader;
import org.ubdjava.core.format.HeaderV1;
import org.ubdjava.core.format.HeaderV2;
import org.ubdjava.core.format.HeaderV3;

/**
 * Files for tests: backing files with known content and holes, COW headers of every layout made
 * byte by byte (independently of the production encoders), and sector writes into a COW file the
 * way the kernel does them (data at data_offset, then the bitmap bit).
 */
public final class CowFixtures {
    public static final long MTIME = 1614834367L;

    private CowFixtures() {
    }

    /** The reference's test backing file: sector i filled with byte 0x40 + i, mtime 1614834367. */
    public static Path referenceBacking(Path dir, int sectors) throws IOException {
        byte[] b = new byte[sectors * SECTOR];
        for (int i = 0; i < sectors; i++) {
            java.util.Arrays.fill(b, i * SECTOR, (i + 1) * SECTOR, (byte) (0x40 + i));
        }
        Path p = dir.resolve("back.img");
        Files.write(p, b);
        Files.setLastModifiedTime(p, FileTime.fromMillis(MTIME * 1000));
        return p;
    }

    /**
     * A backing file of {@code size} bytes: random runs of data, zero-filled data and real holes,
     * so merges meet every case.
     */
    public static Path randomBacking(Path file, long size, Random rnd) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long pos = 0;
            while (pos < size) {
                long run = Math.min(size - pos, SECTOR * (1L + rnd.nextInt(64)));
                int kind = rnd.nextInt(3);
                if (kind != 2) {
                    byte[] data = new byte[(int) run];
                    if (kind == 0) {
                        rnd.nextBytes(data);
                    }
                    write(ch, data, pos);
                }
                pos += run;
            }
            ch.truncate(size);
            if (ch.size() < size) {
                write(ch, new byte[] {0}, size - 1);
            }
        }
        Files.setLastModifiedTime(file, FileTime.fromMillis((MTIME + rnd.nextInt(1000)) * 1000));
        return file;
    }

    public static void write(FileChannel ch, byte[] data, long pos) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) {
            ch.write(b, pos + b.position());
        }
    }

    /** Writes sectors into a COW device the way the kernel lays them out: data, then the bits. */
    public static void writeSectors(Path cow, long firstSector, byte[] data) throws IOException {
        try (FileChannel ch = FileChannel.open(cow, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            CowGeometry g = CowHeaderReader.read(ch, cow.toString()).geometry();
            write(ch, data, g.dataOffset() + firstSector * SECTOR);
            long n = data.length / SECTOR;
            for (long s = firstSector; s < firstSector + n; s++) {
                ByteBuffer one = ByteBuffer.allocate(1);
                long at = g.bitmapOffset() + (s >> 3);
                ch.read(one, at);
                byte b = (byte) (one.get(0) | (1 << (s & 7)));
                write(ch, new byte[] {b}, at);
            }
        }
    }

    // ---- hand-made headers: offsets spelled out here, independent of the production layouts ----

    private static byte[] path(String backing, int len) {
        byte[] field = new byte[len];
        byte[] p = backing.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(p, 0, field, 0, p.length);
        return field;
    }

    public static byte[] v3Header(String backing, long mtime, long size, int ss, int align) {
        ByteBuffer b = ByteBuffer.allocate(4128).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0x4F4F4F4D).putInt(3).putInt((int) mtime).putLong(size).putInt(ss).putInt(align).putInt(0);
        b.put(path(backing, 4096));
        return b.array();
    }

    public static byte[] v3BrokenHeader(String backing, long mtime, long size, int ss, int align) {
        ByteBuffer b = ByteBuffer.allocate(4136).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0x4F4F4F4D).putInt(3).putInt((int) mtime).putInt(0xDEADBEEF /* heap padding */).putLong(size)
                .putInt(ss).putInt(align).putInt(0);
        b.put(path(backing, 4096));
        return b.array();
    }

    public static byte[] v2Header(String backing, long mtime, long size, int ss) {
        ByteBuffer b = ByteBuffer.allocate(4120).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0x4F4F4F4D).putInt(2).put(path(backing, 4096)).putInt((int) mtime).putLong(size).putInt(ss);
        return b.array();
    }

    /** v1 as written on x86: everything little-endian; {@code beMagic} makes magic and version big-endian. */
    public static byte[] v1Header(String backing, long mtime, long size, int ss, boolean beMagic) {
        ByteBuffer b = ByteBuffer.allocate(280).order(ByteOrder.LITTLE_ENDIAN);
        if (beMagic) {
            b.order(ByteOrder.BIG_ENDIAN).putInt(0x4F4F4F4D).putInt(1).order(ByteOrder.LITTLE_ENDIAN);
        } else {
            b.putInt(0x4F4F4F4D).putInt(1);
        }
        b.put(path(backing, 256)).putInt((int) mtime).putLong(size).putInt(ss);
        return b.array();
    }

    /** A COW file from hand-made header bytes, sized like a creator would (data_offset + size). */
    public static Path cowFile(Path file, byte[] header) throws IOException {
        CowGeometry g = CowHeaderReader.decode(ByteBuffer.wrap(header)).geometry();
        long size = CowHeaderReader.decode(ByteBuffer.wrap(header)).size();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            write(ch, header, 0);
            if (g.dataOffset() + size > header.length) {
                write(ch, new byte[1], g.dataOffset() + size - 1);
            }
        }
        return file;
    }

    /** The file's data extents [start, end), from SEEK_DATA/SEEK_HOLE: what is allocated. */
    public static List<long[]> dataExtents(Path file) throws IOException {
        List<long[]> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(file)) {
            long pos = 0;
            while (true) {
                long d = org.ubdjava.core.nativeio.NativeFiles.nextData(ch, pos);
                if (d < 0) {
                    break;
                }
                long h = org.ubdjava.core.nativeio.NativeFiles.nextHole(ch, d);
                out.add(new long[] {d, h});
                pos = h;
                if (h >= ch.size()) {
                    break;
                }
            }
        }
        return out;
    }

    public static String extentsToString(List<long[]> ext) {
        StringBuilder sb = new StringBuilder();
        for (long[] e : ext) {
            sb.append('[').append(e[0]).append(',').append(e[1]).append(')');
        }
        return sb.toString();
    }

    static {
        // keep the hand-made sizes honest against the layouts' own constants
        if (HeaderV1.SIZE != 280 || HeaderV2.SIZE != 4120 || HeaderV3.SIZE != 4128 || HeaderV3.BROKEN_SIZE != 4136) {
            throw new AssertionError("layout sizes changed");
        }
    }
}
