package org.ubdjava.core.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.function.LongConsumer;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.io.Buffers;
import org.ubdjava.core.nativeio.DataMap;
import org.ubdjava.core.nativeio.NativeFiles;

/**
 * Takes a backing file's content identity: a digest of every byte, holes as zeros (fed without
 * reading them). Whole-file, because a copy with one byte changed must be told apart; with the
 * CPU's SHA instructions the JDK's SHA-256 runs at about the speed of a cached read, so a 1 GiB
 * image takes a second or two, paid only by who asks for an identity.
 */
public final class ContentDigest {
    /** Bytes per read and per digest update. */
    static final int CHUNK = 1 << 20;
    /** The algorithm new identities use. */
    public static final DigestAlgorithm DEFAULT = DigestAlgorithm.SHA_256;

    private ContentDigest() {
    }

    /**
     * The digest of the first {@code size} bytes of {@code file} (zeros past its end).
     *
     * @param progress told the bytes digested so far
     */
    public static byte[] digest(FileChannel file, long size, DigestAlgorithm algorithm, LongConsumer progress) throws IOException {
        MessageDigest md = algorithm.newDigest();
        // heap arrays: MessageDigest.update(byte[]) is the path the JIT's SHA intrinsics take
        byte[] buf = new byte[CHUNK];
        ByteBuffer view = ByteBuffer.wrap(buf);
        byte[] zeros = new byte[CHUNK];
        DataMap map = DataMap.of(file);
        NativeFiles.adviseSequential(file);
        long pos = 0;
        while (pos < size) {
            long data = map.nextData(pos);
            long stop;
            boolean hole = data < 0 || data > pos;
            if (hole) {
                stop = data < 0 ? size : Math.min(size, data);
            } else {
                long next = map.nextHole(pos);
                stop = next <= pos ? size : Math.min(size, next);
            }
            while (pos < stop) {
                int n = (int) Math.min(CHUNK, stop - pos);
                if (hole) {
                    md.update(zeros, 0, n);
                } else {
                    view.clear().limit(n);
                    Buffers.readOrZeros(file, view, pos);
                    md.update(buf, 0, n);
                }
                pos += n;
                progress.accept(pos);
            }
        }
        return md.digest();
    }

    /**
     * The identity of a backing file as it is now: stat, digest, stat again. A file that changed
     * meanwhile (size or mtime) is refused, as the digest may mix both contents.
     */
    public static ContentId identify(Path backing, DigestAlgorithm algorithm, LongConsumer progress) {
        BackingFile before = BackingFile.stat(backing);
        byte[] digest;
        try (FileChannel ch = FileChannel.open(backing)) {
            digest = digest(ch, before.size(), algorithm, progress);
        } catch (IOException e) {
            throw new UbdException("backing file \"" + backing + "\": " + CowPaths.describe(e), e);
        }
        BackingFile after = BackingFile.stat(backing);
        if (after.size() != before.size() || after.mtimeSeconds() != before.mtimeSeconds()) {
            throw new UbdException("backing file \"" + backing + "\" changed while its digest was taken (size "
                    + before.size() + " -> " + after.size() + ", mtime " + before.mtimeSeconds() + " -> " + after.mtimeSeconds() + ")");
        }
        return new ContentId(algorithm, before.size(), before.storedMtime(), digest);
    }
}
