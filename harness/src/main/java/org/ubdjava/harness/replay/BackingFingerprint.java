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
import org.ubdjava.core.nativeio.NativeFiles;

/**
 * SHA-256 and mtime of the backing file, taken before and after a replay. The digest covers the
 * file's size, the position of every data extent and its bytes; holes read as zeros by definition,
 * and writing into one would create an extent, so skipping them loses nothing and makes a sparse
 * 32 GiB backing file cost only its data.
 */
record BackingFingerprint(String sha256, long mtimeMillis, long size) {
    static BackingFingerprint of(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            long size = ch.size();
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            ByteBuffer pos = ByteBuffer.allocate(16);
            for (long at = NativeFiles.nextData(ch, 0); at >= 0 && at < size; at = NativeFiles.nextData(ch, at)) {
                long end = Math.min(size, NativeFiles.nextHole(ch, at));
                md.update(pos.clear().putLong(at).putLong(end).flip());
                while (at < end) {
                    buf.clear().limit((int) Math.min(buf.capacity(), end - at));
                    int n = ch.read(buf, at);
                    if (n < 0) {
                        break;
                    }
                    md.update(buf.flip());
                    at += n;
                }
            }
            md.update(pos.clear().putLong(size).putLong(-1).flip());
            return new BackingFingerprint(HexFormat.of().formatHex(md.digest()),
                    Files.getLastModifiedTime(file).toMillis(), size);
        } catch (IOException e) {
            throw new UbdException(file + ": cannot read the backing file: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
