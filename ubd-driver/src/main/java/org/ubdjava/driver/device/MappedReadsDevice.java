package org.ubdjava.driver.device;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

import org.ubdjava.core.nativeio.DirectMemory;
import org.ubdjava.core.nativeio.MappingBudget;
import org.ubdjava.core.nativeio.NativeFiles;

/**
 * The COW file's data area with its reads copied out of a read-only shared mapping: a 4 KiB read
 * of a sector the COW file holds is then a copy from the page cache (about 0.4 us), against 1.5 to
 * 2.5 us for a pread on these machines. Everything else, writes first, goes to the file below; the
 * page cache is one, so a read sees every write that completed before it.
 *
 * <p>Windows of 1 GiB of the data area are mapped on first use, each as far as the file reached
 * then: a read past that (a file shorter than its device, grown since) or across two windows goes
 * to the file, since touching a mapped page past the file's end is a SIGBUS. The COW layer reads
 * here only the sectors whose bits are set, which were written, so no read faults in a page of a
 * hole (tmpfs would allocate it). The windows are unmapped at {@link #close}, under the lock the
 * reads take, so a read racing with a detach fails instead of touching unmapped memory.
 *
 * <p>Where no mapping can be made (the process has used up vm.max_map_count, which thousands of
 * disks in one process reach), reads go to the file instead, as fast as pread is: the disk keeps
 * working, and the mapping is not tried again on every read.
 */
public final class MappedReadsDevice extends ForwardingDevice {
    private static final int WINDOW_SHIFT = 30;
    private static final long WINDOW = 1L << WINDOW_SHIFT;

    private final FileChannel file;
    private final long base;
    private final MappedByteBuffer[] windows;
    private final MappingBudget budget;
    private boolean closed;
    /** A mapping failed: every read goes to the file from then on. */
    private boolean unmappable;

    /**
     * @param inner the data area as a device (sector i at {@code base} + 512 i of {@code file})
     * @param file  the COW file, readable
     */
    public MappedReadsDevice(BlockDevice inner, FileChannel file, long base) {
        this(inner, file, base, MappingBudget.PROCESS);
    }

    MappedReadsDevice(BlockDevice inner, FileChannel file, long base, MappingBudget budget) {
        super(inner);
        this.budget = budget;
        this.file = file;
        this.base = base;
        this.windows = new MappedByteBuffer[(int) ((inner.size() + WINDOW - 1) >>> WINDOW_SHIFT)];
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int n = dst.remaining();
        int w = (int) (offset >>> WINDOW_SHIFT);
        int at = (int) (offset & (WINDOW - 1));
        if (((offset + n - 1) >>> WINDOW_SHIFT) == w) {
            synchronized (this) {
                if (closed) {
                    throw new IOException("COW file closed");
                }
                MappedByteBuffer m = windows[w];
                if ((m == null || at + n > m.capacity()) && !unmappable) {
                    m = map(w); // first use, or the file has grown since
                }
                if (m != null && at + n <= m.capacity()) {
                    try {
                        dst.put(dst.position(), m, at, n);
                    } catch (InternalError e) {
                        throw new IOException("the COW file changed under its mapping (truncated?): " + e.getMessage(), e);
                    }
                    return;
                }
            }
        }
        inner.read(offset, dst);
    }

    /** Maps window {@code w} as far as the file reaches now (null when it does not reach it). */
    private MappedByteBuffer map(int w) throws IOException {
        long start = base + ((long) w << WINDOW_SHIFT);
        long length = Math.min(WINDOW, Math.min(file.size(), base + inner.size()) - start);
        if (length <= 0) {
            return null;
        }
        if (windows[w] != null) {
            DirectMemory.free(windows[w]);
            windows[w] = null;
            budget.giveBack();
        }
        if (!budget.tryTake()) {
            unmappable = true; // the process's mappings are for its other disks and the JVM: pread serves
            return null;
        }
        MappedByteBuffer m;
        try {
            m = file.map(FileChannel.MapMode.READ_ONLY, start, length);
        } catch (IOException e) {
            budget.giveBack();
            unmappable = true; // out of mappings after all (or a file system that has none): pread serves
            return null;
        }
        // sectors read here were written before, so cached: a fault that misses must not read around
        NativeFiles.adviseRandom(m);
        windows[w] = m;
        return m;
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            closed = true;
            for (int i = 0; i < windows.length; i++) {
                if (windows[i] != null) {
                    DirectMemory.free(windows[i]);
                    windows[i] = null;
                    budget.giveBack();
                }
            }
        }
        inner.close();
    }
}
