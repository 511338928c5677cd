package org.ubdjava.core.rebase;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

import org.ubdjava.core.nativeio.NativeFiles;

/**
 * Every change the rebase tools make to a COW file goes through one of these: positional writes
 * and the syncs that order them. The seam a crash test records through (each recorded prefix is a
 * file a crash could leave); production writes straight to the channel.
 */
public interface CowWriter {
    /** Writes all of {@code src} (from its position to its limit) at {@code position}. */
    void write(ByteBuffer src, long position) throws IOException;

    /** Makes every write so far durable before any later one (fdatasync). */
    void sync() throws IOException;

    /**
     * Lets the disk start on the writes in {@code [position, position + length)} now, without
     * waiting: a hint that shortens the {@link #sync} to come, never a substitute for it (nothing
     * is durable, nor ordered, until the sync). A writer that records for a crash test ignores it.
     */
    default void startWriteback(long position, long length) {
    }

    /** Opens the writer for one COW file, given the channel the tool opened and locked. */
    @FunctionalInterface
    interface Factory {
        CowWriter of(Path cow, FileChannel channel);

        /** Writes to the channel; sync is fdatasync (the metadata a sync must carry is the file's size, which it does). */
        Factory DIRECT = (cow, channel) -> new CowWriter() {
            @Override
            public void write(ByteBuffer src, long position) throws IOException {
                long pos = position;
                while (src.hasRemaining()) {
                    pos += channel.write(src, pos);
                }
            }

            @Override
            public void sync() throws IOException {
                channel.force(false);
            }

            @Override
            public void startWriteback(long position, long length) {
                NativeFiles.startWriteback(channel, position, length);
            }
        };
    }
}
