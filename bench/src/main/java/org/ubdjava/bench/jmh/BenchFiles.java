package org.ubdjava.bench.jmh;

import java.util.List;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

import org.ubdjava.realtools.Processes;
import org.ubdjava.core.bitmap.CowBitmap;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.CowFile;

/**
 * The files the I/O benchmarks share, made once under {@code /tmp/ubd-bench} (or
 * {@code -Dubd.bench.dir}) and reused while their sizes are right: a 1 GiB backing file of random
 * data (no holes) and a COW file over it with half of its 4 KiB blocks written (random data,
 * random blocks). The backing file is never written after it is made: its mtime is in the COW
 * header.
 */
public final class BenchFiles {
    static final long SIZE = 1L << 30;
    static final int BLOCK = 4096;
    static final long BLOCKS = SIZE / BLOCK;

    final Path dir = Path.of(System.getProperty("ubd.bench.dir", "/tmp/ubd-bench"));
    final Path backing = dir.resolve("back.img");
    final Path cowHalf = dir.resolve("cow-half.img");

    static BenchFiles prepare() {
        BenchFiles f = new BenchFiles();
        try {
            f.make();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }

    private void make() throws IOException {
        Files.createDirectories(dir);
        Path done = dir.resolve("cow-half.done");
        if (!Files.exists(backing) || Files.size(backing) != SIZE) {
            Files.deleteIfExists(done);
            writeRandom(backing, SIZE, 1);
        }
        if (!Files.exists(done) || !Files.exists(cowHalf)) {
            Files.deleteIfExists(cowHalf);
            CowCreator.create(cowHalf, backing.toString(), false);
            fillHalf(cowHalf);
            Files.writeString(done, "ok\n");
        }
        warm(backing);
        warm(cowHalf);
    }

    /** A copy of the half-full COW file for benchmarks that write (holes stay holes). */
    Path workCopy(String name) throws IOException {
        Path p = dir.resolve(name);
        Files.deleteIfExists(p);
        Processes.Result cp = Processes.run(dir, List.of("cp", "--sparse=always", cowHalf.toString(), p.toString()), 600);
        if (cp.exit() != 0) {
            throw new IOException("cp " + cowHalf + " failed: " + cp.both().strip());
        }
        warm(p);
        return p;
    }

    static void writeRandom(Path p, long size, long seed) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long pos = 0; pos < size; pos += chunk.capacity()) {
                chunk.clear();
                while (chunk.hasRemaining()) {
                    chunk.putLong(rnd.nextLong());
                }
                chunk.flip();
                while (chunk.hasRemaining()) {
                    ch.write(chunk, pos + chunk.position());
                }
            }
        }
    }

    /** Random 4 KiB blocks until half are in the COW file; data first, then the whole bitmap. */
    static void fillHalf(Path cow) throws IOException {
        fill(cow, 0.5);
    }

    /**
     * Scattered 4 KiB writes into a COW file until {@code fraction} of its sectors are in it: data
     * first, then the bitmap, as the driver does. Returns the sectors set.
     */
    public static long fill(Path cow, double fraction) throws IOException {
        long sectors;
        long dataOffset;
        long bitmapOffset;
        long bitmapLength;
        try (CowFile f = CowFile.open(cow)) {
            sectors = f.geometry().sectors();
            dataOffset = f.geometry().dataOffset();
            bitmapOffset = f.geometry().bitmapOffset();
            bitmapLength = f.geometry().bitmapLength();
        }
        CowBitmap bm = new CowBitmap(sectors, bitmapLength);
        SplittableRandom rnd = new SplittableRandom(2);
        ByteBuffer page = ByteBuffer.allocateDirect(BLOCK);
        long target = (long) (sectors * fraction);
        try (FileChannel ch = FileChannel.open(cow, StandardOpenOption.WRITE)) {
            while (bm.cardinality() < target) {
                for (int i = 0; i < 4096; i++) {
                    long s = rnd.nextLong(sectors / 8) * 8;
                    if (!bm.setRange(s, s + 8)) {
                        continue;
                    }
                    page.clear();
                    while (page.hasRemaining()) {
                        page.putLong(rnd.nextLong());
                    }
                    page.flip();
                    ch.write(page, dataOffset + s * 512);
                }
            }
            ch.write(ByteBuffer.wrap(bm.toBytes()), bitmapOffset);
        }
        return bm.cardinality();
    }

    /** Reads the whole file once so that every benchmark runs on a warm page cache. */
    static void warm(Path p) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            long pos = 0;
            for (int n; (n = ch.read(b.clear(), pos)) > 0; ) {
                pos += n;
            }
        }
    }

    /** xorshift64: a random 4 KiB-aligned offset in the device, without allocating. */
    static final class Offsets {
        private long x;

        Offsets(long seed) {
            x = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
        }

        long next() {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            return (x & (BLOCKS - 1)) * BLOCK;
        }
    }
}
