package org.ubdjava.bench.compare;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Random;

import org.ubdjava.core.device.KernelLog;
import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

/**
 * The files every system works on, made once per size and reused while still right: a backing
 * file of random data (no holes), and a COW file over it holding a random half of its 4 KiB
 * blocks (random data), made through our driver.
 */
final class BenchFiles {
    final Path dir;
    final Path backing;
    final Path cowHalf;
    final long size;

    BenchFiles(Path dir, long size) {
        this.dir = dir;
        this.size = size;
        this.backing = dir.resolve("back-" + (size >> 20) + "m.img");
        this.cowHalf = dir.resolve("cow-half-" + (size >> 20) + "m.img");
    }

    void prepare() throws IOException {
        Files.createDirectories(dir);
        if (!Files.exists(backing) || Files.size(backing) != size) {
            Path tmp = dir.resolve(backing.getFileName() + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                Random r = new Random(1);
                byte[] chunk = new byte[1 << 20];
                for (long at = 0; at < size; at += chunk.length) {
                    r.nextBytes(chunk);
                    ByteBuffer b = ByteBuffer.wrap(chunk);
                    while (b.hasRemaining()) {
                        ch.write(b, at + b.position());
                    }
                }
            }
            Files.move(tmp, backing, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setLastModifiedTime(backing, FileTime.fromMillis(System.currentTimeMillis() / 1000 * 1000));
            Files.deleteIfExists(cowHalf);
        }
        if (!Files.exists(cowHalf)) {
            Path tmp = dir.resolve(cowHalf.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            try (UbdDriver driver = new UbdDriver()) {
                Disk disk = driver.attach("ubd0=" + tmp + "," + backing, KernelLog.DISCARD);
                int blocks = (int) (size >>> 12);
                int[] order = new int[blocks];
                for (int i = 0; i < blocks; i++) {
                    order[i] = i;
                }
                Random r = new Random(2);
                for (int i = blocks - 1; i > 0; i--) {
                    int j = r.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                ByteBuffer buf = ByteBuffer.allocateDirect(4096);
                byte[] data = new byte[4096];
                for (int i = 0; i < blocks / 2; i++) {
                    r.nextBytes(data);
                    buf.clear().put(data).flip();
                    if (driver.submit(disk, IoOp.WRITE, (long) order[i] << 12, buf, 0).join() != IoStatus.OK) {
                        throw new IOException("writing " + tmp + " failed");
                    }
                }
                driver.submit(disk, IoOp.FLUSH, 0, null, 0).join();
            }
            Files.move(tmp, cowHalf);
        }
    }

    /** Reads the whole backing file once, so every system starts with it in the host's page cache. */
    void warmPageCache() throws IOException {
        try (FileChannel ch = FileChannel.open(backing, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
            for (long at = 0; at < size; at += b.capacity()) {
                b.clear();
                ch.read(b, at);
            }
        }
    }
}
