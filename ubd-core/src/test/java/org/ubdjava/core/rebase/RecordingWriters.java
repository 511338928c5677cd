package org.ubdjava.core.rebase;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** COW writers that perform each operation and keep a copy of it, in order, per file: the record a crash is cut from. */
final class RecordingWriters implements CowWriter.Factory {
    sealed interface Op permits Write, Sync {
    }

    record Write(long position, byte[] data) implements Op {
    }

    record Sync() implements Op {
    }

    final Map<Path, List<Op>> ops = new LinkedHashMap<>();

    @Override
    public CowWriter of(Path cow, FileChannel channel) {
        CowWriter inner = CowWriter.Factory.DIRECT.of(cow, channel);
        List<Op> record = ops.computeIfAbsent(cow, k -> new ArrayList<>());
        return new CowWriter() {
            @Override
            public void write(ByteBuffer src, long position) throws IOException {
                byte[] copy = new byte[src.remaining()];
                src.duplicate().get(copy);
                inner.write(src, position);
                record.add(new Write(position, copy));
            }

            @Override
            public void sync() throws IOException {
                inner.sync();
                record.add(new Sync());
            }
        };
    }

    /** The file after the operations {@code [0, cut)} with {@code keep} set (all of them when null) reached the disk. */
    static byte[] apply(byte[] initial, List<Op> ops, int cut, boolean[] keep) {
        byte[] f = initial.clone();
        for (int i = 0; i < cut; i++) {
            if (keep != null && !keep[i]) {
                continue;
            }
            if (ops.get(i) instanceof Write w) {
                int end = (int) w.position() + w.data().length;
                if (end > f.length) {
                    f = java.util.Arrays.copyOf(f, end);
                }
                System.arraycopy(w.data(), 0, f, (int) w.position(), w.data().length);
            }
        }
        return f;
    }

    static int lastSyncBefore(List<Op> ops, int cut) {
        for (int i = cut - 1; i >= 0; i--) {
            if (ops.get(i) instanceof Sync) {
                return i;
            }
        }
        return -1;
    }
}
