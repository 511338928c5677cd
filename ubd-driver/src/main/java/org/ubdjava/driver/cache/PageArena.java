package org.ubdjava.driver.cache;

import java.nio.ByteBuffer;

import org.ubdjava.core.nativeio.DirectMemory;

/**
 * The cache's data: off-heap memory allocated once, carved into 4 KiB slots. Slot s lives in
 * chunk {@code s >>> CHUNK_SHIFT} (direct buffers stop at 2 GiB, so chunks are 1 GiB) at
 * {@code (s & CHUNK_MASK) << PAGE_SHIFT}. Only absolute get/put are used, which never touch a
 * buffer's position, so any number of threads may copy at once; whether a copy read a slot whole
 * is for {@link SharedPageCache}'s stamps to say.
 */
final class PageArena implements AutoCloseable {
    static final int PAGE_SHIFT = 12;
    static final int PAGE = 1 << PAGE_SHIFT;
    private static final int CHUNK_SHIFT = 30 - PAGE_SHIFT;
    private static final int CHUNK_MASK = (1 << CHUNK_SHIFT) - 1;

    private final ByteBuffer[] chunks;
    private final int slots;

    PageArena(int slots) {
        this.slots = slots;
        int n = (slots + CHUNK_MASK) >>> CHUNK_SHIFT;
        chunks = new ByteBuffer[n];
        for (int c = 0; c < n; c++) {
            int pages = Math.min(CHUNK_MASK + 1, slots - (c << CHUNK_SHIFT));
            chunks[c] = ByteBuffer.allocateDirect(pages << PAGE_SHIFT);
        }
    }

    int slots() {
        return slots;
    }

    long bytes() {
        return (long) slots << PAGE_SHIFT;
    }

    /** Copies {@code length} bytes at {@code inPage} of the slot to {@code dst} at {@code dstIndex}. */
    void copyOut(int slot, int inPage, ByteBuffer dst, int dstIndex, int length) {
        dst.put(dstIndex, chunks[slot >>> CHUNK_SHIFT], ((slot & CHUNK_MASK) << PAGE_SHIFT) + inPage, length);
    }

    /** Fills the slot with the page at {@code srcIndex} of {@code src}. */
    void copyIn(int slot, ByteBuffer src, int srcIndex) {
        chunks[slot >>> CHUNK_SHIFT].put((slot & CHUNK_MASK) << PAGE_SHIFT, src, srcIndex, PAGE);
    }

    /** Gives the memory back now rather than at some later GC (the cache may be hundreds of MiB). */
    @Override
    public void close() {
        for (int c = 0; c < chunks.length; c++) {
            if (chunks[c] != null) {
                DirectMemory.free(chunks[c]);
                chunks[c] = null;
            }
        }
    }
}
