package org.ubdjava.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.SplittableRandom;

import org.ubdjava.core.bitmap.CowBitmap;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.realtools.Processes;

import static org.ubdjava.core.Sectors.SECTOR;

/**
 * The files every benchmark works on, made once per size and reused while still right: a backing
 * file of random data (no holes) and a COW file over it holding a random half of its 4 KiB blocks
 * (random data). The backing file is never written after it is made: its mtime is in the COW
 * header. Both are made through temporary names, so a run cut short leaves nothing half-made.
 */
public final class BenchFiles {
    public static final int BLOCK = 4096;

    public final Path dir;
    public final Path backing;
    public final Path cowHalf;
    public final long size;

    public BenchFiles(Path dir, long size) {
        this.dir = dir;
        this.size = size;
        this.backing = dir.resolve("back-" + (size >> 20) + "m.img");
        this.cowHalf = dir.resolve("cow-half-" + (size >> 20) + "m.img");
    }

    /** Where the JMH benchmarks keep their files: {@code -Dubd.bench.dir}, else /tmp/ubd-bench. */
    public static Path defaultDir() {
        return Path.of(System.getProperty("ubd.bench.dir", "/tmp/ubd-bench"));
    }

    /** Makes what is missing or of the wrong size; returns this. */
    public BenchFiles prepare() throws IOException {
        Files.createDirectories(dir);
        if (!Files.exists(backing) || Files.size(backing) != size) {
            Files.deleteIfExists(cowHalf);
            Path tmp = dir.resolve(backing.getFileName() + ".tmp");
            writeRandom(tmp, size, 1);
            // the COW header keeps whole seconds; a backing file whose mtime has none left over
            // compares equal however a tool rounds it
            Files.setLastModifiedTime(tmp, FileTime.fromMillis(System.currentTimeMillis() / 1000 * 1000));
            Files.move(tmp, backing, StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.exists(cowHalf)) {
            Path tmp = dir.resolve(cowHalf.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            CowCreator.create(tmp, backing.toString(), false);
            fill(tmp, 0.5);
            Files.move(tmp, cowHalf);
        }
        return this;
    }

    /** Reads both files once, so every system starts with them in the host's page cache. */
    public void warmPageCache() throws IOException {
        warm(backing);
        warm(cowHalf);
    }

    /** A copy of the half-full COW file for a benchmark that writes (holes stay holes). */
    public Path workCopy(String name) throws IOException {
        Path p = dir.resolve(name);
        Files.deleteIfExists(p);
        Processes.Result cp = Processes.run(dir, List.of("cp", "--sparse=always", cowHalf.toString(), p.toString()), 600);
        if (cp.exit() != 0) {
            throw new IOException("cp " + cowHalf + " failed: " + cp.both().strip());
        }
        warm(p);
        return p;
    }

    /** {@code size} bytes of random data from {@code seed}. */
    public static void writeRandom(Path p, long size, long seed) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long pos = 0; pos < size; pos += chunk.capacity()) {
                chunk.clear();
                while (chunk.hasRemaining()) {
                    chunk.putLong(rnd.nextLong());
                }
                chunk.flip().limit((int) Math.min(chunk.capacity(), size - pos));
                while (chunk.hasRemaining()) {
                    ch.write(chunk, pos + chunk.position());
                }
            }
        }
    }

    /**
     * Scattered 4 KiB writes into a COW file until {@code fraction} of its sectors are in it: data
     * first, then the bitmap, as the driver does (written directly: through the driver a 1 GiB
     * file takes minutes). Returns the sectors set.
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
        int perBlock = BLOCK / SECTOR;
        CowBitmap bm = new CowBitmap(sectors, bitmapLength);
        SplittableRandom rnd = new SplittableRandom(2);
        ByteBuffer page = ByteBuffer.allocateDirect(BLOCK);
        long target = (long) (sectors * fraction);
        try (FileChannel ch = FileChannel.open(cow, StandardOpenOption.WRITE)) {
            while (bm.cardinality() < target) {
                long s = rnd.nextLong(sectors / perBlock) * perBlock;
                if (!bm.setRange(s, s + perBlock)) {
                    continue;
                }
                page.clear();
                while (page.hasRemaining()) {
                    page.putLong(rnd.nextLong());
                }
                page.flip();
                while (page.hasRemaining()) {
                    ch.write(page, dataOffset + s * SECTOR + page.position());
                }
            }
            ch.write(ByteBuffer.wrap(bm.toBytes()), bitmapOffset);
        }
        return bm.cardinality();
    }

    /** Reads the whole file once so that a benchmark runs on a warm page cache. */
    public static void warm(Path p) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            long pos = 0;
            for (int n; (n = ch.read(b.clear(), pos)) > 0; ) {
                pos += n;
            }
        }
    }
}
