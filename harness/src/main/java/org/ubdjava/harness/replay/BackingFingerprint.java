package org.ubdjava.harness.replay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.io.Buffers;
import org.ubdjava.core.nativeio.DataMap;

/**
 * SHA-256 and mtime of the backing file, taken before and after a replay. The digest is of the
 * content alone: the offset and bytes of every 4 KiB block that is not all zeros, then the size.
 * Holes and zero blocks are the same content, so a file system that fills a hole with zeros when
 * it is read (tmpfs does, for a read through a shared mapping) does not count as a change, while
 * any byte written does; only data extents are read, so a sparse 32 GiB backing file costs only
 * its data.
 */
public record BackingFingerprint(String sha256, long mtimeMillis, long size) {
    static final int BLOCK = 4096;

    public static BackingFingerprint of(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            long size = ch.size();
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            ByteBuffer pos = ByteBuffer.allocate(Long.BYTES);
            long[] hashedTo = {0}; // blocks are counted from the start of the file, whatever the extents
            DataMap.of(ch).forEachRun(0, size, (from, end, data) -> {
                long at = Math.max(hashedTo[0], from / BLOCK * BLOCK);
                while (data && at < end) {
                    buf.clear().limit((int) Math.min(buf.capacity(), (end - at + BLOCK - 1) / BLOCK * BLOCK));
                    int n = ch.read(buf, at);
                    if (n <= 0) {
                        break;
                    }
                    buf.flip();
                    for (int b = 0; b < n; b += BLOCK) {
                        int len = Math.min(BLOCK, n - b);
                        if (!Buffers.isZero(buf, b, len)) {
                            md.update(pos.clear().putLong(at + b).flip());
                            md.update(buf.limit(b + len).position(b));
                            buf.limit(n);
                        }
                    }
                    at += n;
                }
                hashedTo[0] = Math.max(hashedTo[0], at);
            });
            md.update(pos.clear().putLong(size).flip());
            return new BackingFingerprint(HexFormat.of().formatHex(md.digest()),
                    Files.getLastModifiedTime(file).toMillis(), size);
        } catch (IOException e) {
            throw new UbdException(file + ": cannot read the backing file: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
