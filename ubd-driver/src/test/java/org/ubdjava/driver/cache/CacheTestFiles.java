package org.ubdjava.driver.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

import org.ubdjava.driver.device.ChannelIo;
import org.ubdjava.driver.device.FileDevice;

/** A backing file of known random bytes, and devices reading it. */
final class CacheTestFiles {
    final Path path;
    final byte[] content;
    final FileChannel channel;

    CacheTestFiles(Path dir, int bytes, long seed) throws IOException {
        path = dir.resolve("back.img");
        content = new byte[bytes];
        new Random(seed).nextBytes(content);
        Files.write(path, content);
        channel = FileChannel.open(path, StandardOpenOption.READ);
    }

    FileDevice fileDevice() {
        return new FileDevice(new ChannelIo(channel), 0, content.length, true);
    }

    CachedBackingDevice cached(SharedPageCache cache) {
        return new CachedBackingDevice(fileDevice(), cache, 0, () -> { });
    }

    /** Reads [offset, offset + length) through the device and returns the bytes. */
    static byte[] read(org.ubdjava.driver.device.BlockDevice d, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(length);
        d.read(offset, b);
        byte[] out = new byte[length];
        b.get(0, out);
        return out;
    }

    void close() throws IOException {
        channel.close();
    }
}
