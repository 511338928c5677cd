package org.ubdjava.driver.cache;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.ubdjava.driver.device.BackingDevice;
import org.ubdjava.driver.device.BlockDevice;
import org.ubdjava.driver.device.Chunks;
import org.ubdjava.driver.device.ExtentSink;

/**
 * One device's view of a backing file through the shared cache: a read takes each 4 KiB page
 * from the cache when it is there, and fetches each run of missing pages from the file with one
 * read, then offers the pages to the cache. Sits under the COW layer, so writes never reach it;
 * it is read-only like the backing file.
 *
 * <p>One thread at a time per device (the driver's rule); the cache behind it is shared across
 * threads. The scratch buffer grows to the largest run seen and is then reused: no allocation
 * per request.
 */
public final class CachedBackingDevice implements BackingDevice {
    private static final int PAGE = SharedPageCache.PAGE;
    private static final int SHIFT = SharedPageCache.PAGE_SHIFT;

    private final BlockDevice file;
    private final SharedPageCache cache;
    private final CacheCounters counters = new CacheCounters();
    private final int readAheadPages;
    private final long pagesInDevice;
    private final Runnable onClose;
    /** Prefetches read this much at a time into a buffer of their own, then drop it: the cache keeps the pages. */
    private static final int PREFETCH_CHUNK = 256 << 10;

    private ByteBuffer scratch = ByteBuffer.allocateDirect(64 * 1024);
    private ByteBuffer prefetchBuffer;
    /** Where the previous read ended: a read starting here is sequential. */
    private long sequentialFrom = -1;
    private boolean closed;

    /**
     * @param file    the backing file as a device (reads past its end give zeros)
     * @param onClose releases this device's share of the cache
     */
    public CachedBackingDevice(BlockDevice file, SharedPageCache cache, int readAheadPages, Runnable onClose) {
        this.file = file;
        this.cache = cache;
        this.readAheadPages = readAheadPages;
        this.pagesInDevice = (file.size() + PAGE - 1) >>> SHIFT;
        this.onClose = onClose;
        cache.register(counters);
    }

    @Override
    public String name() {
        return file instanceof BackingDevice b ? b.name() : "the backing file";
    }

    /** This device's use of the cache, readable while running. */
    public CacheStats stats() {
        return counters.snapshot();
    }

    public SharedPageCache cache() {
        return cache;
    }

    @Override
    public long size() {
        return file.size();
    }

    /** The cache holds copies: where the data is, is the file's answer. */
    @Override
    public void extents(long offset, long length, ExtentSink sink) throws IOException {
        file.extents(offset, length, sink);
    }

    /**
     * Reads the range through the cache, page run by page run, so that the pages are there for the
     * reads that follow (a client's NBD_CMD_CACHE): pages already cached cost a lookup only.
     */
    @Override
    public void prefetch(long offset, long length) throws IOException {
        if (prefetchBuffer == null) {
            prefetchBuffer = ByteBuffer.allocateDirect(PREFETCH_CHUNK);
        }
        Chunks.forEach(offset, length, prefetchBuffer, this::read);
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int base = dst.position();
        long end = offset + dst.remaining();
        if (end == offset) {
            return;
        }
        long lastPage = (end - 1) >>> SHIFT;
        long runStart = -1;
        for (long page = offset >>> SHIFT; page <= lastPage; page++) {
            long from = Math.max(offset, page << SHIFT);
            int n = (int) (Math.min(end, (page + 1) << SHIFT) - from);
            long token = cache.find(page);
            if (token >= 0 && cache.copyOut(token, (int) (from & (PAGE - 1)), dst, base + (int) (from - offset), n)) {
                counters.add(CacheCounters.HITS, 1);
                counters.add(CacheCounters.HIT_BYTES, n);
                if (runStart >= 0) {
                    fetch(runStart, page, page, offset, end, dst, base);
                    runStart = -1;
                }
            } else if (runStart < 0) {
                runStart = page;
            }
        }
        if (runStart >= 0) {
            long fetchEnd = lastPage + 1;
            if (readAheadPages > 0 && offset == sequentialFrom) {
                fetchEnd = Math.min(pagesInDevice, fetchEnd + readAheadPages);
            }
            fetch(runStart, lastPage + 1, Math.max(fetchEnd, lastPage + 1), offset, end, dst, base);
        }
        sequentialFrom = end;
    }

    /**
     * Reads pages [first, fetchEnd) from the file in one go, gives the request its part of
     * [first, runEnd), and offers every page read to the cache (those past runEnd are read-ahead).
     */
    private void fetch(long first, long runEnd, long fetchEnd, long offset, long end, ByteBuffer dst, int base)
            throws IOException {
        int bytes = (int) ((fetchEnd - first) << SHIFT);
        if (scratch.capacity() < bytes) {
            scratch = ByteBuffer.allocateDirect(Integer.highestOneBit(bytes - 1) << 1);
        }
        ByteBuffer s = scratch.clear().limit(bytes);
        file.read(first << SHIFT, s);
        long from = Math.max(offset, first << SHIFT);
        int n = (int) (Math.min(end, runEnd << SHIFT) - from);
        dst.put(base + (int) (from - offset), s, (int) (from - (first << SHIFT)), n);
        int evicted = 0;
        for (long p = first; p < fetchEnd; p++) {
            evicted += cache.fill(p, s, (int) ((p - first) << SHIFT));
        }
        long missed = runEnd - first;
        counters.add(CacheCounters.MISSES, missed);
        counters.add(CacheCounters.MISS_BYTES, n);
        counters.add(CacheCounters.EVICTIONS, evicted);
        counters.add(CacheCounters.READ_AHEAD, fetchEnd - runEnd);
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            cache.retire(counters);
            try {
                file.close();
            } finally {
                onClose.run();
            }
        }
    }
}
