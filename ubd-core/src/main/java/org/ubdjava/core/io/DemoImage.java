package org.ubdjava.core.io;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Backing images for demos and tests: a sparse file of {@code size} bytes with pseudo-random data
 * in every {@code every}-th MiB (the rest holes), the same bytes for the same seed.
 */
public final class DemoImage {
    private DemoImage() {
    }

    public static void create(Path file, long size, long every, long seed) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
            SplittableRandom random = new SplittableRandom(seed);
            byte[] chunk = new byte[1 << 20];
            for (long at = 0; at < size; at += every << 20) {
                random.nextBytes(chunk);
                f.seek(at);
                f.write(chunk, 0, (int) Math.min(chunk.length, size - at));
            }
        }
    }
}
