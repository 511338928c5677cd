package org.ubdjava.driver.device;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * What a COW device reads its backing file through: read-only, for good. The backing file is
 * never written (the kernel's rule), so every write-side answer is the same for every way of
 * reading it (a plain file, a shared mapping, O_DIRECT, the shared cache) and lives here once.
 */
public interface BackingDevice extends BlockDevice {
    /** The backing file, for messages. */
    String name();

    @Override
    default boolean readOnly() {
        return true;
    }

    @Override
    default boolean fastZero() {
        return false;
    }

    @Override
    default Durability durability() {
        return Durability.NOTHING_WRITTEN;
    }

    @Override
    default void write(long offset, ByteBuffer src) throws IOException {
        throw new IOException(name() + ": a backing file is never written");
    }

    @Override
    default void flush() {
        // nothing is ever written
    }

    @Override
    default void discard(long offset, long length) throws IOException {
        throw new IOException(name() + ": a backing file is never written");
    }

    @Override
    default void writeZeroes(long offset, long length, boolean fastOnly) throws IOException {
        throw new IOException(name() + ": a backing file is never written");
    }
}
