package org.ubdjava.core.rebase;

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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import org.ubdjava.core.testing.CowFixtures;

/**
 * Files for the rebase tests, and an independent reading of what a guest sees through a COW file:
 * the header's fields and the bitmap decoded here from the bytes (v3 offsets spelled out), each
 * sector from the COW file when its bit is set, else from the backing file the header names (zeros
 * past either file's end).
 */
public final class RebaseFixtures {

    private RebaseFixtures() {
    }

    /** The device as the guest sees it over the backing file the header names, {@code ceil(size/512)} sectors. */
    public static byte[] view(Path cow) throws IOException {
        return view(Files.readAllBytes(cow));
    }

    public static byte[] view(byte[] cow) throws IOException {
        Header h = Header.of(cow);
        byte[] backing = Files.readAllBytes(Path.of(h.path));
        int sectors = (int) ((h.size + SECTOR - 1) / SECTOR);
        byte[] dev = Arrays.copyOf(backing, sectors * SECTOR);
        for (int s = 0; s < sectors; s++) {
            if (h.bit(cow, s)) {
                Arrays.fill(dev, s * SECTOR, (s + 1) * SECTOR, (byte) 0);
                long at = h.dataOffset + (long) s * SECTOR;
                if (at < cow.length) {
                    System.arraycopy(cow, (int) at, dev, s * SECTOR, (int) Math.min(SECTOR, cow.length - at));
                }
            }
        }
        return dev;
    }

    /** The fields of a v1, v2 or v3 header as the reference gives them, decoded without the production code. */
    public record Header(int version, String path, long mtime, long size, long bitmapOffset, long bitmapLength, long dataOffset) {
        public static Header of(byte[] f) {
            ByteBuffer be = ByteBuffer.wrap(f).order(ByteOrder.BIG_ENDIAN);
            ByteBuffer le = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
            int version = be.getInt(0) == 0x4F4F4F4D ? be.getInt(4) : le.getInt(4);
            switch (version) {
                case 1: {
                    long size = le.getLong(268);
                    long bl = (size + 511) / (8 * 512);
                    return new Header(1, str(f, 8, 256), Integer.toUnsignedLong(le.getInt(264)), size, 280, bl, roundUp(280 + bl, 512));
                }
                case 2: {
                    long size = be.getLong(4108);
                    long bl = (size + 511) / (8 * 512);
                    return new Header(2, str(f, 8, 4096), Integer.toUnsignedLong(be.getInt(4104)), size, 4120, bl, roundUp(4120 + bl, 512));
                }
                case 3: {
                    boolean broken = be.getInt(32) == 0;
                    int shift = broken ? 4 : 0;
                    long size = be.getLong(12 + shift);
                    int align = be.getInt(24 + shift);
                    long bo = roundUp(broken ? 4136 : 4128, align);
                    long bl = ((size + 511) / 512 + 7) / 8;
                    return new Header(3, str(f, 32 + shift, 4096), Integer.toUnsignedLong(be.getInt(8)), size, bo, bl, roundUp(bo + bl, align));
                }
                default:
                    throw new AssertionError("version " + version);
            }
        }

        /** The sector's bit; v1/v2 read the padding byte the kernel writes past the short bitmap, as the production reader does. */
        public boolean bit(byte[] f, int s) {
            long at = bitmapOffset + (s >> 3);
            return at < dataOffset && at < f.length && (f[(int) at] >> (s & 7) & 1) == 1;
        }

        private static String str(byte[] f, int off, int len) {
            int n = 0;
            while (n < len && f[off + n] != 0) {
                n++;
            }
            return new String(f, off, n, StandardCharsets.UTF_8);
        }

        private static long roundUp(long v, long m) {
            return (v + m - 1) / m * m;
        }
    }

    /**
     * A copy of {@code src} at {@code dst} with about {@code fraction} of its sectors changed, in
     * runs of 1 to 16 sectors; all-zero 4 KiB blocks are left as holes, so the copy mixes data and
     * holes differently from the original. Another mtime.
     */
    public static Path changedCopy(Path src, Path dst, double fraction, Random rnd) throws IOException {
        byte[] b = Files.readAllBytes(src);
        int sectors = (b.length + SECTOR - 1) / SECTOR;
        int target = (int) (sectors * fraction);
        int changed = 0;
        while (changed < target) {
            int s = rnd.nextInt(sectors);
            int n = Math.min(1 + rnd.nextInt(16), sectors - s);
            for (int i = s * SECTOR; i < Math.min(b.length, (s + n) * SECTOR); i++) {
                b[i] = (byte) rnd.nextInt();
            }
            changed += n;
        }
        writeSparse(dst, b);
        Files.setLastModifiedTime(dst, FileTime.fromMillis((CowFixtures.MTIME + 5000 + rnd.nextInt(1000)) * 1000));
        return dst;
    }

    /** Writes {@code b} leaving all-zero 4 KiB blocks as holes. */
    public static Path writeSparse(Path dst, byte[] b) throws IOException {
        try (FileChannel ch = FileChannel.open(dst, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int at = 0; at < b.length; at += 4096) {
                int n = Math.min(4096, b.length - at);
                boolean zero = true;
                for (int i = at; i < at + n && zero; i++) {
                    zero = b[i] == 0;
                }
                if (!zero) {
                    CowFixtures.write(ch, Arrays.copyOfRange(b, at, at + n), at);
                }
            }
            ch.truncate(b.length);
            if (ch.size() < b.length) {
                CowFixtures.write(ch, new byte[1], b.length - 1L);
            }
        }
        return dst;
    }

    /** Random sector writes into a COW file, the kernel's way (data, then bits): some single sectors, some runs. */
    public static void randomWrites(Path cow, long sectors, int writes, Random rnd) throws IOException {
        for (int i = 0; i < writes; i++) {
            long s = (long) (rnd.nextDouble() * sectors);
            int n = (int) Math.min(sectors - s, 1 + rnd.nextInt(rnd.nextBoolean() ? 2 : 40));
            byte[] data = new byte[n * SECTOR];
            if (rnd.nextInt(5) > 0) {
                rnd.nextBytes(data);
            }
            CowFixtures.writeSectors(cow, s, data);
        }
    }

    public static String sha256(Path f) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Sectors set in the COW file's bitmap (independent decoding). */
    public static long heldSectors(Path cow) throws IOException {
        byte[] f = Files.readAllBytes(cow);
        Header h = Header.of(f);
        long n = 0;
        for (int s = 0; s < (h.size + SECTOR - 1) / SECTOR; s++) {
            n += h.bit(f, s) ? 1 : 0;
        }
        return n;
    }

    /** Sectors of the device where the two images differ (each zero-extended), among those the COW file does not hold. */
    public static long differingUnheld(Path cow, Path a, Path b) throws IOException {
        byte[] f = Files.readAllBytes(cow);
        Header h = Header.of(f);
        int sectors = (int) ((h.size + SECTOR - 1) / SECTOR);
        byte[] x = Arrays.copyOf(Files.readAllBytes(a), sectors * SECTOR);
        byte[] y = Arrays.copyOf(Files.readAllBytes(b), sectors * SECTOR);
        long n = 0;
        for (int s = 0; s < sectors; s++) {
            if (!h.bit(f, s) && !Arrays.equals(x, s * SECTOR, (s + 1) * SECTOR, y, s * SECTOR, (s + 1) * SECTOR)) {
                n++;
            }
        }
        return n;
    }
}
